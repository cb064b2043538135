using FastAls.Cli;
using FastAls.Cli.Infrastructure;

using Interruption interruption = Interruption.ForSignals();
var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = false };
var stderr = new StreamWriter(Console.OpenStandardError(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
int code = CliApp.Run(args, stdout, stderr, !Console.IsErrorRedirected, interruption);
stdout.Flush();
return code;
