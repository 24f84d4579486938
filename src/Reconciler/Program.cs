using Reconciler.Cli;

return await CommandLine.Root().Parse(args).InvokeAsync();
