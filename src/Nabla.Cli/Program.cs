return Nabla.Cli.NablaCli.Run(args, Console.Out, Console.Error);
