return Nabla.Cli.NablaCli.Run(args, Console.Out, Console.Error, Nabla.Cli.CliHost.Console(args));
