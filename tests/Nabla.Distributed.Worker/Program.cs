using Nabla.Distributed;
using Nabla.Distributed.Worker;
using Nabla.NN;

// The program the distributed tests start under mpirun: one scenario per run, named by the first argument.
// Exit code 0 when the scenario held on this rank; a failure prints one line to standard error.
string scenario = args.Length > 0 ? args[0] : "";
TimeSpan? timeout = args.Length > 2 && scenario == "hangs" ? TimeSpan.FromSeconds(double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)) : null;
using var group = ProcessGroup.Init(timeout);
try
{
    switch (scenario)
    {
        case "collectives":
            Scenarios.Collectives(group);
            break;
        case "equivalence":
            foreach (var (name, optimizer, bucketCapMb, accumulate) in Equivalence.Configs)
            {
                var steps = Equivalence.Train(optimizer, bucketCapMb, accumulate, group, int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
                Scenarios.CheckReplicasEqual(group, steps[^1], name);
                if (group.IsMain) Equivalence.Write(Path.Combine(args[1], name + ".bin"), steps);
            }
            break;
        case "syncbn":
            SyncScenarios.SyncBatchNormMatchesOneProcess(group);
            break;
        case "syncbn-train":
            SyncScenarios.WriteSyncBatchNormTraining(group, args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "unused":
            SyncScenarios.WriteUnusedTraining(group, args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "unused-error":
            SyncScenarios.TrainBranchy(group, 8, findUnusedParameters: false, maxSteps: 4);
            break;
        case "mismatch":
            _ = new DistributedDataParallel(new Linear(4, group.Rank == 1 ? 5 : 4), group);
            break;
        case "bandwidth":
            Scenarios.Bandwidth(group, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "dies":
        case "hangs":
            Scenarios.Failing(group, scenario);
            break;
        default:
            throw new ArgumentException($"unknown scenario '{scenario}'");
    }
    Console.WriteLine($"{scenario} ok on rank {group.Rank} of {group.WorldSize}");
    return 0;
}
catch (DistributedException e)
{
    Console.Error.WriteLine($"rank {group.Rank}: {e.Message}");
    return 2;
}
