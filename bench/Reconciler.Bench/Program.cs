using System.CommandLine;
using Reconciler.Bench;

return await BenchCommand.Create().Parse(args).InvokeAsync();
