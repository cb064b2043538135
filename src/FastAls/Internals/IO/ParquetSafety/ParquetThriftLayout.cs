namespace FastAls.IO.ParquetSafety;

/// <summary>
/// The Thrift structures of the Parquet metadata as Parquet.Net 6.1 decodes them: for each structure, the
/// field ids it reads and the wire type it reads them as (taken from its generated <c>Meta/Parquet.cs</c>,
/// which follows <c>parquet.thrift</c>). Parquet.Net decodes a known field by id whatever its wire type, and
/// skips an unknown struct or list field incorrectly; so the footer and page headers are checked against
/// this table before Parquet.Net sees them, which makes its decoding follow ours byte for byte.
/// </summary>
internal static class ParquetThriftLayout
{
    /// <summary>A field: its id, name, wire type, list element type and struct name (for structs and lists of structs).</summary>
    internal readonly record struct Field(short Id, string Name, ThriftType Type, ThriftType Element, string? StructName);

    public static readonly Dictionary<string, Field[]> Structs = new(StringComparer.Ordinal)
    {
        ["SizeStatistics"] = [F(1, "UnencodedByteArrayDataBytes", ThriftType.I64), L(2, "RepetitionLevelHistogram", ThriftType.I64), L(3, "DefinitionLevelHistogram", ThriftType.I64)],
        ["BoundingBox"] = [F(1, "Xmin", ThriftType.Double), F(2, "Xmax", ThriftType.Double), F(3, "Ymin", ThriftType.Double), F(4, "Ymax", ThriftType.Double), F(5, "Zmin", ThriftType.Double), F(6, "Zmax", ThriftType.Double), F(7, "Mmin", ThriftType.Double), F(8, "Mmax", ThriftType.Double)],
        ["GeospatialStatistics"] = [S(1, "Bbox", "BoundingBox"), L(2, "GeospatialTypes", ThriftType.I32)],
        ["Statistics"] = [F(1, "Max", ThriftType.Binary), F(2, "Min", ThriftType.Binary), F(3, "NullCount", ThriftType.I64), F(4, "DistinctCount", ThriftType.I64), F(5, "MaxValue", ThriftType.Binary), F(6, "MinValue", ThriftType.Binary), F(7, "IsMaxValueExact", ThriftType.True), F(8, "IsMinValueExact", ThriftType.True)],
        ["StringType"] = [],
        ["UUIDType"] = [],
        ["MapType"] = [],
        ["ListType"] = [],
        ["EnumType"] = [],
        ["DateType"] = [],
        ["Float16Type"] = [],
        ["NullType"] = [],
        ["DecimalType"] = [F(1, "Scale", ThriftType.I32), F(2, "Precision", ThriftType.I32)],
        ["MilliSeconds"] = [],
        ["MicroSeconds"] = [],
        ["NanoSeconds"] = [],
        ["TimeUnit"] = [S(1, "MILLIS", "MilliSeconds"), S(2, "MICROS", "MicroSeconds"), S(3, "NANOS", "NanoSeconds")],
        ["TimestampType"] = [F(1, "IsAdjustedToUTC", ThriftType.True), S(2, "Unit", "TimeUnit")],
        ["TimeType"] = [F(1, "IsAdjustedToUTC", ThriftType.True), S(2, "Unit", "TimeUnit")],
        ["IntType"] = [F(1, "BitWidth", ThriftType.Byte), F(2, "IsSigned", ThriftType.True)],
        ["JsonType"] = [],
        ["BsonType"] = [],
        ["VariantType"] = [F(1, "SpecificationVersion", ThriftType.Byte)],
        ["GeometryType"] = [F(1, "Crs", ThriftType.Binary)],
        ["GeographyType"] = [F(1, "Crs", ThriftType.Binary), F(2, "Algorithm", ThriftType.I32)],
        ["LogicalType"] = [S(1, "STRING", "StringType"), S(2, "MAP", "MapType"), S(3, "LIST", "ListType"), S(4, "ENUM", "EnumType"), S(5, "DECIMAL", "DecimalType"), S(6, "DATE", "DateType"), S(7, "TIME", "TimeType"), S(8, "TIMESTAMP", "TimestampType"), S(10, "INTEGER", "IntType"), S(11, "UNKNOWN", "NullType"), S(12, "JSON", "JsonType"), S(13, "BSON", "BsonType"), S(14, "UUID", "UUIDType"), S(15, "FLOAT16", "Float16Type"), S(16, "VARIANT", "VariantType"), S(17, "GEOMETRY", "GeometryType"), S(18, "GEOGRAPHY", "GeographyType")],
        ["SchemaElement"] = [F(1, "Type", ThriftType.I32), F(2, "TypeLength", ThriftType.I32), F(3, "RepetitionType", ThriftType.I32), F(4, "Name", ThriftType.Binary), F(5, "NumChildren", ThriftType.I32), F(6, "ConvertedType", ThriftType.I32), F(7, "Scale", ThriftType.I32), F(8, "Precision", ThriftType.I32), F(9, "FieldId", ThriftType.I32), S(10, "LogicalType", "LogicalType")],
        ["DataPageHeader"] = [F(1, "NumValues", ThriftType.I32), F(2, "Encoding", ThriftType.I32), F(3, "DefinitionLevelEncoding", ThriftType.I32), F(4, "RepetitionLevelEncoding", ThriftType.I32), S(5, "Statistics", "Statistics")],
        ["IndexPageHeader"] = [],
        ["DictionaryPageHeader"] = [F(1, "NumValues", ThriftType.I32), F(2, "Encoding", ThriftType.I32), F(3, "IsSorted", ThriftType.True)],
        ["DataPageHeaderV2"] = [F(1, "NumValues", ThriftType.I32), F(2, "NumNulls", ThriftType.I32), F(3, "NumRows", ThriftType.I32), F(4, "Encoding", ThriftType.I32), F(5, "DefinitionLevelsByteLength", ThriftType.I32), F(6, "RepetitionLevelsByteLength", ThriftType.I32), F(7, "IsCompressed", ThriftType.True), S(8, "Statistics", "Statistics")],
        ["SplitBlockAlgorithm"] = [],
        ["BloomFilterAlgorithm"] = [S(1, "BLOCK", "SplitBlockAlgorithm")],
        ["XxHash"] = [],
        ["BloomFilterHash"] = [S(1, "XXHASH", "XxHash")],
        ["Uncompressed"] = [],
        ["BloomFilterCompression"] = [S(1, "UNCOMPRESSED", "Uncompressed")],
        ["BloomFilterHeader"] = [F(1, "NumBytes", ThriftType.I32), S(2, "Algorithm", "BloomFilterAlgorithm"), S(3, "Hash", "BloomFilterHash"), S(4, "Compression", "BloomFilterCompression")],
        ["PageHeader"] = [F(1, "Type", ThriftType.I32), F(2, "UncompressedPageSize", ThriftType.I32), F(3, "CompressedPageSize", ThriftType.I32), F(4, "Crc", ThriftType.I32), S(5, "DataPageHeader", "DataPageHeader"), S(6, "IndexPageHeader", "IndexPageHeader"), S(7, "DictionaryPageHeader", "DictionaryPageHeader"), S(8, "DataPageHeaderV2", "DataPageHeaderV2")],
        ["KeyValue"] = [F(1, "Key", ThriftType.Binary), F(2, "Value", ThriftType.Binary)],
        ["SortingColumn"] = [F(1, "ColumnIdx", ThriftType.I32), F(2, "Descending", ThriftType.True), F(3, "NullsFirst", ThriftType.True)],
        ["PageEncodingStats"] = [F(1, "PageType", ThriftType.I32), F(2, "Encoding", ThriftType.I32), F(3, "Count", ThriftType.I32)],
        ["ColumnMetaData"] = [F(1, "Type", ThriftType.I32), L(2, "Encodings", ThriftType.I32), L(3, "PathInSchema", ThriftType.Binary), F(4, "Codec", ThriftType.I32), F(5, "NumValues", ThriftType.I64), F(6, "TotalUncompressedSize", ThriftType.I64), F(7, "TotalCompressedSize", ThriftType.I64), L(8, "KeyValueMetadata", ThriftType.Struct, "KeyValue"), F(9, "DataPageOffset", ThriftType.I64), F(10, "IndexPageOffset", ThriftType.I64), F(11, "DictionaryPageOffset", ThriftType.I64), S(12, "Statistics", "Statistics"), L(13, "EncodingStats", ThriftType.Struct, "PageEncodingStats"), F(14, "BloomFilterOffset", ThriftType.I64), F(15, "BloomFilterLength", ThriftType.I32), S(16, "SizeStatistics", "SizeStatistics"), S(17, "GeospatialStatistics", "GeospatialStatistics")],
        ["EncryptionWithFooterKey"] = [],
        ["EncryptionWithColumnKey"] = [L(1, "PathInSchema", ThriftType.Binary), F(2, "KeyMetadata", ThriftType.Binary)],
        ["ColumnCryptoMetaData"] = [S(1, "ENCRYPTIONWITHFOOTERKEY", "EncryptionWithFooterKey"), S(2, "ENCRYPTIONWITHCOLUMNKEY", "EncryptionWithColumnKey")],
        ["ColumnChunk"] = [F(1, "FilePath", ThriftType.Binary), F(2, "FileOffset", ThriftType.I64), S(3, "MetaData", "ColumnMetaData"), F(4, "OffsetIndexOffset", ThriftType.I64), F(5, "OffsetIndexLength", ThriftType.I32), F(6, "ColumnIndexOffset", ThriftType.I64), F(7, "ColumnIndexLength", ThriftType.I32), S(8, "CryptoMetadata", "ColumnCryptoMetaData"), F(9, "EncryptedColumnMetadata", ThriftType.Binary)],
        ["RowGroup"] = [L(1, "Columns", ThriftType.Struct, "ColumnChunk"), F(2, "TotalByteSize", ThriftType.I64), F(3, "NumRows", ThriftType.I64), L(4, "SortingColumns", ThriftType.Struct, "SortingColumn"), F(5, "FileOffset", ThriftType.I64), F(6, "TotalCompressedSize", ThriftType.I64), F(7, "Ordinal", ThriftType.I16)],
        ["TypeDefinedOrder"] = [],
        ["ColumnOrder"] = [S(1, "TYPEORDER", "TypeDefinedOrder")],
        ["PageLocation"] = [F(1, "Offset", ThriftType.I64), F(2, "CompressedPageSize", ThriftType.I32), F(3, "FirstRowIndex", ThriftType.I64)],
        ["OffsetIndex"] = [L(1, "PageLocations", ThriftType.Struct, "PageLocation"), L(2, "UnencodedByteArrayDataBytes", ThriftType.I64)],
        ["ColumnIndex"] = [L(1, "NullPages", ThriftType.True), L(2, "MinValues", ThriftType.Binary), L(3, "MaxValues", ThriftType.Binary), F(4, "BoundaryOrder", ThriftType.I32), L(5, "NullCounts", ThriftType.I64), L(6, "RepetitionLevelHistograms", ThriftType.I64), L(7, "DefinitionLevelHistograms", ThriftType.I64)],
        ["AesGcmV1"] = [F(1, "AadPrefix", ThriftType.Binary), F(2, "AadFileUnique", ThriftType.Binary), F(3, "SupplyAadPrefix", ThriftType.True)],
        ["AesGcmCtrV1"] = [F(1, "AadPrefix", ThriftType.Binary), F(2, "AadFileUnique", ThriftType.Binary), F(3, "SupplyAadPrefix", ThriftType.True)],
        ["EncryptionAlgorithm"] = [S(1, "AESGCMV1", "AesGcmV1"), S(2, "AESGCMCTRV1", "AesGcmCtrV1")],
        ["FileMetaData"] = [F(1, "Version", ThriftType.I32), L(2, "Schema", ThriftType.Struct, "SchemaElement"), F(3, "NumRows", ThriftType.I64), L(4, "RowGroups", ThriftType.Struct, "RowGroup"), L(5, "KeyValueMetadata", ThriftType.Struct, "KeyValue"), F(6, "CreatedBy", ThriftType.Binary), L(7, "ColumnOrders", ThriftType.Struct, "ColumnOrder"), S(8, "EncryptionAlgorithm", "EncryptionAlgorithm"), F(9, "FooterSigningKeyMetadata", ThriftType.Binary)],
        ["FileCryptoMetaData"] = [S(1, "EncryptionAlgorithm", "EncryptionAlgorithm"), F(2, "KeyMetadata", ThriftType.Binary)],    };

    private static Field F(short id, string name, ThriftType type) => new(id, name, type, ThriftType.Stop, null);

    private static Field S(short id, string name, string structName) => new(id, name, ThriftType.Struct, ThriftType.Stop, structName);

    private static Field L(short id, string name, ThriftType element, string? structName = null) => new(id, name, ThriftType.List, element, structName);

    /// <summary>
    /// Checks <paramref name="s"/> against the layout of <paramref name="structName"/>: every known field has the
    /// wire type Parquet.Net reads it as (booleans as either boolean type), and every unknown field is a scalar
    /// or bytes (which Parquet.Net skips correctly). Returns null when it conforms, else what is wrong.
    /// </summary>
    public static string? Check(ThriftStruct s, string structName)
    {
        Field[] layout = Structs[structName];
        foreach ((short id, ThriftValue v) in s.Fields)
        {
            Field? known = null;
            foreach (Field f in layout)
            {
                if (f.Id == id)
                {
                    known = f;
                    break;
                }
            }

            if (known is not Field k)
            {
                if (v.Type is ThriftType.List or ThriftType.Set or ThriftType.Map or ThriftType.Struct)
                {
                    return $"{structName} has an unknown field {id} of type {v.Type}";
                }

                continue;
            }

            if (!Same(k.Type, v.Type))
            {
                return $"{structName}.{k.Name} (field {id}) has wire type {v.Type}, expected {k.Type}";
            }

            if (k.Type == ThriftType.Struct)
            {
                string? inner = Check(v.Struct!, k.StructName!);
                if (inner is not null)
                {
                    return inner;
                }
            }
            else if (k.Type == ThriftType.List)
            {
                if (v.Type != ThriftType.List || (v.Elements!.Count > 0 && !Same(k.Element, v.ElementType)))
                {
                    return $"{structName}.{k.Name} (field {id}) is a {v.Type} of {v.ElementType}, expected a list of {k.Element}";
                }

                if (k.Element == ThriftType.Struct)
                {
                    foreach (ThriftValue e in v.Elements)
                    {
                        string? inner = Check(e.Struct!, k.StructName!);
                        if (inner is not null)
                        {
                            return inner;
                        }
                    }
                }
            }
        }

        return null;
    }

    private static bool Same(ThriftType expected, ThriftType actual) =>
        expected == actual || (expected is ThriftType.True or ThriftType.False && actual is ThriftType.True or ThriftType.False);
}
