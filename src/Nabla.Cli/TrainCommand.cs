using System.CommandLine;
using System.Globalization;
using Nabla.Data;
using Nabla.IO;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Optim.Schedulers;
using Nabla.Training;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla train</c>: trains a model on a data set and reports the test accuracy. With no options it trains the
/// 2-16-16-1 MLP on make_moons (1000 points, noise 0.1, 80/20 split) with Adam, in a second or two. With
/// <c>--data text --model lstm|gru|transformer</c> it trains a character language model and reports its held-out
/// loss, perplexity and next-character accuracy.
/// </summary>
internal static class TrainCommand
{
    private static readonly string[] OptimizerNames = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam"];
    private static readonly string[] ScheduleNames = ["none", "cosine"];
    private static readonly string[] AugmentNames = ["none", "flip", "flip-crop"];

    public static Command Create(TextWriter output, TextWriter error, CliHost host)
    {
        var data = CliOptions.Data("moons");
        var model = CliOptions.Model("mlp");
        var epochs = new Option<int?>("--epochs")
        {
            Description = $"Epochs to train (default: 40 for moons and circles, 200 for spirals, 300 for xor, 100 for tables; 15 for images; {DefaultTextEpochs} for text).",
        };
        var batchSize = new Option<int?>("--batch-size") { Description = "Examples (text: windows) per batch (default 32, 128 for images); a batch whose training step needs more memory than the process may take is refused before training, with the largest that fits." };
        var lr = new Option<double?>("--lr") { Description = "The learning rate (default 0.01, 0.001 for images, 0.003 for text)." };
        var sequenceLength = new Option<int?>("--sequence-length")
        {
            Description = $"Text only: the characters per training window, and the transformer's context (default {DataSource.DefaultSequenceLength}).",
        };
        var clip = new Option<double?>("--clip-grad-norm")
        {
            Description = $"Rescale the gradients to at most this total L2 norm before each step (default {TextClipNorm} for text, no clipping otherwise).",
        };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9), adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam or radam.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong(OptimizerNames);
        var weightDecay = new Option<double>("--weight-decay") { Description = "The weight decay (L2 for sgd, adam and rmsprop; decoupled for adamw).", DefaultValueFactory = _ => 0.0 };
        var schedule = new Option<string?>("--lr-schedule") { Description = "none, or cosine annealing to 0 over the epochs (default: cosine for images and text, none otherwise)." };
        schedule.AcceptOnlyFromAmong(ScheduleNames);
        var augment = new Option<string?>("--augment")
        {
            Description = "Random changes to the training images each epoch: none, flip (left-right, p = 0.5) or flip-crop (also a random 28×28 crop of the image padded by 2) (default: flip for cnn-bn, none otherwise).",
        };
        augment.AcceptOnlyFromAmong(AugmentNames);
        var seed = CliOptions.Seed();
        var threads = CliOptions.Threads();
        var outDir = new Option<string?>("--out")
        {
            Description = "A directory for config.json, metrics.jsonl, checkpoint.safetensors and curves.svg (every epoch), model.safetensors, confusion.svg, report.html, graph.dot and graph.svg (with Graphviz), " +
                "each written atomically; locked while the run lasts, and refused if it already holds a run (see --resume and --overwrite).",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run in --out from its checkpoint.safetensors up to --epochs; the other settings must be the run's (see the README).",
        };
        var force = new Option<bool>("--force", "--overwrite") { Description = "Replace the run already in --out instead of refusing to (--overwrite and --force are the same option)." };
        var config = new Option<string?>("--config")
        {
            Description = "Repeat the run a config.json of a run directory records; options given here override it. It never names --out, and a data set it records " +
                "with a path (csv:..., text:PATH, ...) must be given with --data.",
        };
        var earlyStopping = new Option<int?>("--early-stopping")
        {
            Description = "Stop after this many epochs without a lower test loss, and keep the best epoch's weights.",
        };
        var distributed = new Option<bool>("--distributed")
        {
            Description = "Data-parallel training over the processes of 'mpirun -np N nabla train --distributed ...' (Open MPI): --batch-size is split among the ranks, gradients are averaged, rank 0 alone prints and writes --out; without mpirun, one process trains the same way.",
        };

        var command = new Command("train", "Train a model and report its test accuracy (with no options: the moons MLP)." + CliHelp.Examples("nabla train", "nabla train --data fashion-mnist --model cnn-bn --epochs 30 --out runs/cnn-bn", "nabla train --data fashion-mnist --model cnn-bn --epochs 30 --out runs/cnn-bn --resume", "mpirun -np 2 nabla train --distributed --data fashion-mnist --model mlp --out runs/mlp2"))
        {
            data, model, epochs, batchSize, lr, optimizer, weightDecay, schedule, augment, sequenceLength, clip, seed, threads, outDir, resume, force, config, earlyStopping, distributed,
        };
        command.SetAction(parse =>
        {
            string? configPath = parse.GetValue(config);
            RunConfig? file = null;
            if (configPath is not null)
            {
                int code = NablaCli.Guard("train", error, () =>
                {
                    file = RunConfig.Read(configPath, ModelZoo.Names, OptimizerNames, ScheduleNames, AugmentNames);
                    return 0;
                });
                if (code != 0) return code;
            }
            // Options with defaults take the file's value unless given; those without one are null when not given.
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            bool isDistributed = Given(distributed) ? parse.GetValue(distributed) : file?.Distributed ?? false;
            return DistributedTraining.Run(isDistributed, error, group => NablaCli.Guard("train", error, () =>
            {
                string dataSpec = !Given(data) && file?.Data is { } recordedData ? RecordedData(configPath!, recordedData) : parse.GetValue(data)!;
                bool isText = dataSpec == "text" || dataSpec.StartsWith("text:", StringComparison.Ordinal);
                return Run(DistributedTraining.Output(group, output), error, host, new Settings
                {
                    Group = group,
                    Data = ParseData(dataSpec, parse.GetValue(sequenceLength) ?? (isText ? file?.SequenceLength : null)),
                    ClipGradNorm = parse.GetValue(clip) ?? file?.ClipGradNorm,
                    NoClip = parse.GetValue(clip) is null && file?.IsOff("clip_grad_norm") == true,
                    Model = Given(model) ? parse.GetValue(model)! : file?.Model ?? parse.GetValue(model)!,
                    Epochs = parse.GetValue(epochs) ?? file?.Epochs,
                    BatchSize = parse.GetValue(batchSize) ?? file?.BatchSize,
                    LearningRate = parse.GetValue(lr) ?? file?.Lr,
                    Optimizer = Given(optimizer) ? parse.GetValue(optimizer)! : file?.Optimizer ?? parse.GetValue(optimizer)!,
                    WeightDecay = Given(weightDecay) ? parse.GetValue(weightDecay) : file?.WeightDecay ?? parse.GetValue(weightDecay),
                    Schedule = parse.GetValue(schedule) ?? file?.LrSchedule,
                    Augment = parse.GetValue(augment) ?? file?.Augment,
                    Seed = parse.GetValue(seed) ?? file?.Seed ?? 0,
                    Threads = parse.GetValue(threads) ?? file?.Threads,
                    Out = parse.GetValue(outDir),
                    Resume = parse.GetValue(resume),
                    Force = parse.GetValue(force),
                    EarlyStopping = parse.GetValue(earlyStopping) ?? file?.EarlyStopping,
                });
            }));
        });
        return command;
    }

    private sealed record Settings
    {
        public required DataSource Data { get; init; }
        public required string Model { get; init; }
        public double? ClipGradNorm { get; init; }

        /// <summary>No clipping, as a config file says with a null clip_grad_norm, instead of the data's default.</summary>
        public bool NoClip { get; init; }
        public int? Epochs { get; init; }
        public int? BatchSize { get; init; }
        public double? LearningRate { get; init; }
        public required string Optimizer { get; init; }
        public double WeightDecay { get; init; }
        public string? Schedule { get; init; }
        public string? Augment { get; init; }
        public ulong Seed { get; init; }
        public int? Threads { get; init; }
        public string? Out { get; init; }
        public bool Resume { get; init; }
        public bool Force { get; init; }
        public int? EarlyStopping { get; init; }
        public Distributed.ProcessGroup? Group { get; init; }
    }

    /// <summary>The epochs of a default text run: one to two minutes for the LSTM on GPL-3 on two cores.</summary>
    private const int DefaultTextEpochs = 30;

    /// <summary>The gradient norm text models are clipped to, as is customary for recurrent networks.</summary>
    private const double TextClipNorm = 1.0;

    /// <summary>
    /// The data set a config file records, when it is a built-in one named without a path: like a model file
    /// (<see cref="ModelFileOptions"/>), a config file never chooses a file to read, so one that names a path is refused
    /// and --data must say it.
    /// </summary>
    private static string RecordedData(string path, string recorded)
    {
        if (DataSource.BuiltInNames.Contains(recorded, StringComparer.Ordinal)) return recorded;
        throw new UsageException($"the config file {Quoted.Of(path, 200)} records the data set {Quoted.Of(recorded)}, which is not one of the built-in sets " +
            $"({string.Join(", ", DataSource.BuiltInNames)}); a config file never chooses a file to read, so pass --data.");
    }

    private static DataSource ParseData(string spec, int? sequenceLength)
    {
        var data = DataSource.Parse(spec, sequenceLength ?? DataSource.DefaultSequenceLength);
        if (sequenceLength is not null && !data.IsText) throw new UsageException($"--sequence-length cuts a text into windows; '{spec}' is not a text.");
        return data;
    }

    private static int Run(TextWriter output, TextWriter error, CliHost host, Settings s)
    {
        var data = s.Data;
        int epochs = s.Epochs ?? DefaultEpochs(data);
        int batchSize = s.BatchSize ?? DefaultBatchSize(data);
        double lr = s.LearningRate ?? (data.IsImage ? 1e-3 : data.IsText ? 3e-3 : 1e-2);
        string schedule = s.Schedule ?? (data.IsImage || data.IsText ? "cosine" : "none");
        double? clip = s.NoClip ? null : s.ClipGradNorm ?? (data.IsText ? TextClipNorm : null);
        if (clip is { } c && !(c > 0 && double.IsFinite(c))) throw new UsageException($"--clip-grad-norm must be a positive number, got {c.ToString(CultureInfo.InvariantCulture)}.");
        string augment = s.Augment ?? (s.Model == "cnn-bn" ? "flip" : "none");
        if (augment != "none" && !data.IsImage) throw new UsageException($"--augment {augment} transforms images; '{data.Spec}' has none.");
        if (epochs < 1) throw new UsageException($"--epochs must be at least 1, got {epochs}.");
        if (batchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {batchSize}.");
        if (!(lr > 0) || !double.IsFinite(lr)) throw new UsageException($"--lr must be a positive number, got {lr.ToString(CultureInfo.InvariantCulture)}.");
        if (!(s.WeightDecay >= 0) || !double.IsFinite(s.WeightDecay)) throw new UsageException($"--weight-decay must be 0 or more, got {s.WeightDecay.ToString(CultureInfo.InvariantCulture)}.");
        if (s.EarlyStopping is < 1) throw new UsageException($"--early-stopping must be at least 1 epoch, got {s.EarlyStopping}.");
        if (s.Resume && s.Out is null) throw new UsageException("--resume continues the run in --out DIR; pass --out.");
        if (s.Force && s.Out is null) throw new UsageException("--overwrite replaces the run in --out DIR; pass --out.");
        if (s.Force && s.Resume) throw new UsageException("--overwrite replaces the run in --out and --resume continues it; pass one of them.");
        CliOptions.ApplyThreads(s.Threads);
        if (s.Group is { } world) DistributedTraining.PerRankBatch(world, batchSize);
        // Only rank 0 of a distributed run holds and writes the run directory; the others read its checkpoint.
        using var run = s.Out is null || s.Group is { IsMain: false } ? null : RunDirectory.Open(s.Out, s.Resume, s.Force);
        string? checkpointPath = run?.File(CheckpointName) ?? (s.Out is null ? null : Path.Combine(s.Out, CheckpointName));
        if (s.Resume && !File.Exists(checkpointPath)) throw new UsageException($"--resume: there is no checkpoint at '{checkpointPath}'.");
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [CliOptions.DataKey] = data.Spec,
            [CliOptions.ModelKey] = s.Model,
            [CliOptions.SeedKey] = s.Seed.ToString(CultureInfo.InvariantCulture),
            [CliOptions.SequenceLengthKey] = data.SequenceLength.ToString(CultureInfo.InvariantCulture),
            [OptimizerKey] = s.Optimizer,
            [LearningRateKey] = lr.ToString("R", CultureInfo.InvariantCulture),
            [WeightDecayKey] = s.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            [BatchSizeKey] = batchSize.ToString(CultureInfo.InvariantCulture),
            [ScheduleKey] = schedule,
            [AugmentKey] = augment,
            [ClipKey] = clip is { } maxNorm ? maxNorm.ToString("R", CultureInfo.InvariantCulture) : "none",
            [EpochsKey] = epochs.ToString(CultureInfo.InvariantCulture),
            [DistributedKey] = s.Group is null ? "false" : "true",
        };
        if (s.Resume) CheckResume(checkpointPath!, recorded);
        var runConfig = new RunConfig
        {
            Data = data.Spec,
            Model = s.Model,
            Epochs = epochs,
            BatchSize = batchSize,
            Lr = lr,
            Optimizer = s.Optimizer,
            WeightDecay = s.WeightDecay,
            LrSchedule = schedule,
            Augment = augment,
            SequenceLength = data.IsText ? data.SequenceLength : null,
            ClipGradNorm = clip,
            Seed = s.Seed,
            Threads = s.Threads,
            EarlyStopping = s.EarlyStopping,
            Distributed = s.Group is not null,
        };

        // Every random choice has its own generator seeded from --seed, so runs repeat exactly and a resumed run
        // can restore each one; the global generator is seeded too, for anything that falls back on it.
        Generator.ManualSeed(s.Seed);
        var dropout = new Generator(s.Seed ^ 0xD40F0E7UL);
        var augmentation = new Generator(s.Seed ^ 0xA067UL);
        var model = ModelZoo.Build(s.Model, data, DType.Float32, new Generator(s.Seed), dropout);
        var (xTrain, yTrain) = data.Load(train: true, s.Seed);
        var (xTest, yTest) = data.Load(train: false, s.Seed);
        foreach (var standardize in model.Modules().OfType<Standardize>()) standardize.Fit(xTrain);
        // Each rank's batch, as its loader will cut it from its share of the training set.
        int stepBatch = Math.Min(s.Group is { } ranks ? batchSize / ranks.WorldSize : batchSize, xTrain.Shape[0]);
        var memory = MemoryEstimate.Measure(() =>
        {
            var probe = ModelZoo.Build(s.Model, data, DType.Float32, new Generator(s.Seed), new Generator(s.Seed ^ 0xD40F0E7UL));
            foreach (var standardize in probe.Modules().OfType<Standardize>()) standardize.Fit(xTrain);
            return probe;
        }, ModelZoo.Loss(data), parameters => CreateOptimizer(s.Optimizer, parameters, lr, s.WeightDecay), xTrain, yTrain);
        if (memory.Refusal(stepBatch, host.AvailableMemory ?? MemoryEstimate.Available(memory.Total(stepBatch))) is { } refusal)
        {
            error.WriteLine($"nabla train: {refusal}");
            return NablaCli.InsufficientMemory;
        }
        run?.WriteText(ConfigName, runConfig.ToJson());
        IDataset trainSet = new TensorDataset(xTrain, yTrain);
        if (augment != "none")
        {
            trainSet = new TransformedDataset(trainSet, augment == "flip"
                ? new RandomHorizontalFlip(0.5, augmentation)
                : new Compose(new RandomCrop(28, padding: 2, generator: augmentation), new RandomHorizontalFlip(0.5, augmentation)));
        }
        var (distributed, distributedLoader) = s.Group is { } group ? DistributedTraining.Start(group, model, trainSet, batchSize, s.Seed + 1) : default;
        // A random transform runs on the training thread (no prefetch), so that an interrupted epoch's checkpoint holds
        // the augmentation generator's exact position; the batches are the same either way.
        var trainLoader = distributedLoader ?? new DataLoader(trainSet, batchSize, shuffle: true, generator: new Generator(s.Seed + 1), prefetch: augment == "none");
        var testLoader = new DataLoader(new TensorDataset(xTest, yTest), batchSize: data.IsImage ? 500 : data.IsText ? 64 : Math.Max(1, xTest.Shape[0]));
        var optimizer = CreateOptimizer(s.Optimizer, model.Parameters(), lr, s.WeightDecay);
        var scheduler = schedule == "cosine" ? new LRSchedulerCallback(new CosineAnnealingLR(optimizer, tMax: epochs)) : null;
        // Rank 0 alone shows progress, as it alone prints.
        var progress = new TrainProgress(s.Group is { IsMain: false } ? ProgressMode.None : host.Progress, output, host.PlainInterval);
        var trainer = new Trainer(model, optimizer, ModelZoo.Loss(data),
            new TrainerOptions { ComputeAccuracy = true, ComputePerplexity = data.IsText, ClipGradNorm = clip, Output = progress.EpochOutput, ValidationName = "test", Progress = false });
        Generator[] generators = [dropout, augmentation];

        var callbacks = new List<Callback> { progress };
        if (host.OnBatch is { } onBatch) callbacks.Add(new LambdaCallback(onBatchEnd: (_, batch) => onBatch(batch)));
        if (distributed is not null) callbacks.Add(distributed.Callback());
        if (scheduler is not null) callbacks.Add(scheduler);
        if (s.EarlyStopping is { } patience) callbacks.Add(new EarlyStopping("test_loss", patience: patience, restoreBestWeights: true));
        if (run is not null)
        {
            if (s.Resume)
            {
                trainer.LoadCheckpoint(checkpointPath!, trainLoader, scheduler, generators);
                // A run killed after its checkpoint but before its metrics line is one line short, and one killed by an
                // older nabla between the two is one line long; the checkpoint's history is the truth either way.
                WriteMetrics(run, trainer.History, trainSet.Count);
            }
            // The checkpoint goes first: a kill between the two writes leaves the metrics one epoch behind, which the
            // resume above rewrites, and never ahead of the checkpoint, which would repeat an epoch.
            callbacks.Add(new LambdaCallback(onEpochEnd: (t, _) =>
            {
                t.SaveCheckpoint(checkpointPath!, trainLoader, scheduler, generators, recorded);
                WriteMetrics(run, t.History, trainSet.Count);
                run.WriteText(CurvesName, RunReport.Curves(t.History));
            }));
        }

        string examples = data.IsText
            ? string.Create(CultureInfo.InvariantCulture, $"{data.TextCharacters.Train:N0} train / {data.TextCharacters.Test:N0} held-out characters, {data.NumClasses} distinct, {xTrain.Shape[0]} / {xTest.Shape[0]} windows of {data.SequenceLength}")
            : $"{xTrain.Shape[0]} train / {xTest.Shape[0]} test";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train: {data.Spec} ({examples}), {s.Model} {Describe(model)} ({model.ParameterCount():N0} parameters), " +
            $"{s.Optimizer} lr {lr} {(schedule == "none" ? "" : schedule + " ")}batch {batchSize}{(augment == "none" ? "" : ", augment " + augment)}" +
            $"{(clip is { } norm ? $", clip {norm}" : "")}{distributed?.Describe(batchSize)}, {epochs} epochs, seed {s.Seed}, about {MemoryEstimate.Format(memory.Total(stepBatch))} a step"));
        if (s.Resume)
        {
            output.WriteLine(trainer.EpochBatch == 0
                ? $"resuming after epoch {trainer.Epoch} from {checkpointPath}"
                : $"resuming epoch {trainer.Epoch + 1} after batch {trainer.EpochBatch}/{trainLoader.Count} from {checkpointPath}");
        }
        int remaining = epochs - trainer.Epoch;
        if (remaining <= 0) output.WriteLine($"the checkpoint has already trained {trainer.Epoch} of {epochs} epochs");
        // A distributed run is not interrupted with a save: its ranks would have to agree on the batch to stop after.
        using (var interrupt = s.Group is null ? new Interrupt(host, error) : null)
        {
            try
            {
                progress.Run(() => trainer.Fit(trainLoader, Math.Max(remaining, 0), testLoader, callbacks, interrupt?.Token ?? default));
            }
            catch (OperationCanceledException) when (interrupt is { Token.IsCancellationRequested: true })
            {
                return Interrupted(output, error, host, interrupt, trainer, trainLoader, run, checkpointPath, scheduler, generators, recorded, model, s, data, trainSet.Count);
            }
        }
        distributed?.Finish(output);

        var finalMetrics = new List<(string Name, string Value)> { ("epochs trained", trainer.Epoch.ToString(CultureInfo.InvariantCulture)) };
        long[,]? confusion = null;
        List<Misclassified>? misclassified = null;
        string[] classNames = [.. Enumerable.Range(0, data.NumClasses).Select(data.ClassName)];
        if (data.IsText)
        {
            var text = trainer.Evaluate(testLoader);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test loss {text.Loss:F4}  perplexity {text.Perplexity:F3}  next-char accuracy {text.Accuracy:F4} (held-out {data.TextCharacters.Test:N0} characters)"));
            finalMetrics.Add(("test loss", string.Create(CultureInfo.InvariantCulture, $"{text.Loss:F4}")));
            finalMetrics.Add(("test perplexity", string.Create(CultureInfo.InvariantCulture, $"{text.Perplexity:F3}")));
            finalMetrics.Add(("test next-char accuracy", string.Create(CultureInfo.InvariantCulture, $"{text.Accuracy:F4}")));
        }
        else
        {
            var result = trainer.Evaluate(testLoader, collectPredictions: true);
            confusion = result.ConfusionMatrix(data.NumClasses);
            if (data.IsImage) misclassified = RunReport.FindMisclassified(xTest, result.Predictions!, result.Targets!, data.ExampleShape[1], data.ExampleShape[2]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:F4}  test loss {result.Loss:F4}"));
            output.WriteLine(Metrics.Report(confusion, classNames));
            finalMetrics.Add(("test accuracy", string.Create(CultureInfo.InvariantCulture, $"{result.Accuracy:F4}")));
            finalMetrics.Add(("test loss", string.Create(CultureInfo.InvariantCulture, $"{result.Loss:F4}")));
        }

        if (run is not null)
        {
            SaveModel(run, model, s, data);
            string curves = RunReport.Curves(trainer.History);
            run.WriteText(CurvesName, curves);
            var written = new List<string> { ConfigName, MetricsName, "model.safetensors", CheckpointName, CurvesName };
            string? confusionSvg = null;
            if (confusion is not null && data.NumClasses <= RunReport.MaxConfusionClasses)
            {
                confusionSvg = RunReport.Confusion(confusion, classNames);
                run.WriteText(ConfusionName, confusionSvg);
                written.Add(ConfusionName);
            }
            if (trainer.History.Count > 0)
            {
                var last = trainer.History[^1];
                foreach (var (name, value) in last.NamedValues().Concat(SamplesPerSecond(last, trainSet.Count)))
                {
                    if (name == "epoch") continue;
                    finalMetrics.Add(($"epoch {last.Epoch}: {name}", value.ToString(name == "seconds" ? "F2" : "G6", CultureInfo.InvariantCulture)));
                }
            }
            // A recurrent step's graph grows with the window, so a text's graph is drawn for its first few characters.
            var (graphX, graphY) = data.IsText
                ? (xTest.Narrow(1, 0, Math.Min(GraphCharacters, data.SequenceLength)), yTest.Narrow(1, 0, Math.Min(GraphCharacters, data.SequenceLength)))
                : (xTest, yTest);
            var (loss, names) = StepGraph.Build(model, trainer.LossFunction, graphX, graphY, batchSize);
            string graphDot = GraphExport.ToDot(loss, names);
            run.WriteText(GraphName, graphDot);
            // The page shows one box per module; graph.svg draws graph.dot, every primitive inside its module's cluster.
            string? graphSvg = null;
            if (Graphviz.FindDot() is { } dot)
            {
                graphSvg = Graphviz.RenderSvg(GraphExport.ToDot(loss, names, view: GraphView.Collapsed), dot);
                run.WriteText(GraphSvgName, Graphviz.RenderSvg(graphDot, dot));
            }
            else
            {
                // Without Graphviz a drawing left by an earlier run would show another graph than graph.dot.
                run.Remove(GraphSvgName);
            }
            run.WriteText(ReportName, RunReport.Html(runConfig, finalMetrics, curves, confusionSvg, confusion, classNames, graphSvg, misclassified));
            written.Add(ReportName);
            written.Add(GraphName);
            if (graphSvg is not null) written.Add(GraphSvgName);
            output.WriteLine($"wrote {string.Join(", ", written.Take(written.Count - 1))} and {written[^1]} to {run.Path}");
        }
        return 0;
    }

    /// <summary>Writes the model file that <c>nabla eval</c>, <c>predict</c> and <c>generate</c> read, with the settings they need.</summary>
    private static void SaveModel(RunDirectory run, Module model, Settings s, DataSource data)
    {
        var metadata = new Dictionary<string, string>
        {
            [CliOptions.ModelKey] = s.Model,
            [CliOptions.DataKey] = data.Spec,
            [CliOptions.SeedKey] = s.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (data.Kind == "csv" && data.ClassNames is { } classes) metadata[CliOptions.ClassesKey] = DataSource.ClassNamesJson(classes);
        if (data.Vocabulary is { } vocabulary)
        {
            metadata[CharVocabulary.MetadataKey] = vocabulary.ToJson();
            metadata[CliOptions.SequenceLengthKey] = data.SequenceLength.ToString(CultureInfo.InvariantCulture);
        }
        SafeTensors.Save(run.File("model.safetensors"), model.StateDict(), metadata);
    }

    /// <summary>
    /// Training stopped at an interrupt after a whole batch: saves the checkpoint (with the epoch's position when it
    /// stopped mid-epoch), the model and the metrics of the finished epochs, says where they are and how to resume,
    /// and returns the interrupt's exit code.
    /// </summary>
    private static int Interrupted(TextWriter output, TextWriter error, CliHost host, Interrupt interrupt, Trainer trainer, DataLoader trainLoader, RunDirectory? run,
        string? checkpointPath, LRSchedulerCallback? scheduler, Generator[] generators, Dictionary<string, string> recorded, Module model, Settings s, DataSource data,
        int trainExamples)
    {
        string where = trainer.EpochBatch == 0
            ? $"after epoch {trainer.Epoch}"
            : $"in epoch {trainer.Epoch + 1} after batch {trainer.EpochBatch}/{trainLoader.Count}";
        if (run is null)
        {
            output.WriteLine($"interrupted ({interrupt.SignalName}) {where}; nothing was saved (pass --out DIR to keep a run that can be resumed)");
            return interrupt.ExitCode;
        }
        trainer.SaveCheckpoint(checkpointPath!, trainLoader, scheduler, generators, recorded);
        WriteMetrics(run, trainer.History, trainExamples);
        run.WriteText(CurvesName, RunReport.Curves(trainer.History));
        SaveModel(run, model, s, data);
        output.WriteLine($"interrupted ({interrupt.SignalName}) {where}: wrote {CheckpointName}, model.safetensors, {MetricsName} and {CurvesName} to {run.Path}");
        output.WriteLine($"resume with: {ResumeCommand(host.Args)}");
        output.Flush();
        error.Flush();
        return interrupt.ExitCode;
    }

    /// <summary>The command line that resumes the run: this one, without --overwrite (or --force) and with --resume.</summary>
    internal static string ResumeCommand(string[] args)
    {
        var words = args.Where(a => a is not ("--force" or "--overwrite")).ToList();
        if (!words.Contains("--resume")) words.Add("--resume");
        return "nabla " + string.Join(" ", words.Select(ShellWord));
    }

    /// <summary>A word as a POSIX shell reads it back: as it is when it is safe, else in single quotes.</summary>
    private static string ShellWord(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private const string CheckpointName = "checkpoint.safetensors", MetricsName = "metrics.jsonl", ConfigName = "config.json", CurvesName = "curves.svg",
        ConfusionName = "confusion.svg", ReportName = "report.html", GraphName = "graph.dot", GraphSvgName = "graph.svg";

    /// <summary>The checkpoint metadata keys of the settings a resumed run is checked against, beside <see cref="CliOptions"/>' keys.</summary>
    private const string OptimizerKey = "nabla.optimizer", LearningRateKey = "nabla.lr", WeightDecayKey = "nabla.weight_decay", BatchSizeKey = "nabla.batch_size",
        ScheduleKey = "nabla.lr_schedule", AugmentKey = "nabla.augment", ClipKey = "nabla.clip_grad_norm", EpochsKey = "nabla.epochs",
        DistributedKey = "nabla.distributed";

    private static readonly (string Key, string Option)[] ResumeChecks =
    [
        (CliOptions.DataKey, "--data"), (CliOptions.ModelKey, "--model"), (CliOptions.SeedKey, "--seed"), (CliOptions.SequenceLengthKey, "--sequence-length"),
        (OptimizerKey, "--optimizer"), (LearningRateKey, "--lr"), (WeightDecayKey, "--weight-decay"), (BatchSizeKey, "--batch-size"),
        (ScheduleKey, "--lr-schedule"), (AugmentKey, "--augment"), (ClipKey, "--clip-grad-norm"), (DistributedKey, "--distributed"),
    ];

    /// <summary>
    /// Refuses a resume whose settings contradict those the checkpoint records: the run goes on as it began or not at
    /// all. Only --epochs may change, and only without a cosine schedule, which anneals over the epochs it began with.
    /// </summary>
    private static void CheckResume(string checkpointPath, Dictionary<string, string> settings)
    {
        var saved = IO.Checkpoint.Load(checkpointPath).Metadata;
        foreach (var (key, option) in ResumeChecks)
        {
            if (!saved.TryGetValue(key, out var value) || value == settings[key]) continue;
            string why = option == "--lr"
                ? "the learning rate is part of the optimizer's and the schedule's state, which the checkpoint restores, so a resumed run cannot change it"
                : "a resumed run continues with the settings it began with";
            throw new UsageException($"--resume: {option} {Quoted.Of(settings[key])} contradicts the checkpoint's {Quoted.Of(value)} ({why}); " +
                $"repeat the run's {option}, or start a new run in another --out.");
        }
        if (settings[ScheduleKey] == "cosine" && saved.TryGetValue(EpochsKey, out var epochs) && epochs != settings[EpochsKey])
        {
            throw new UsageException($"--resume: --epochs {settings[EpochsKey]} differs from the run's {Quoted.Of(epochs)}, but its cosine schedule anneals the learning rate " +
                "to 0 over the epochs the run began with; resume with that --epochs, or start a new run to train longer.");
        }
    }

    /// <summary>The batch size of training on <paramref name="data"/> when --batch-size is not given: 128 images, 32 otherwise.</summary>
    internal static int DefaultBatchSize(DataSource data) => data.IsImage ? 128 : 32;

    /// <summary>The window length of a text model's graph.dot.</summary>
    private const int GraphCharacters = 4;

    private static int DefaultEpochs(DataSource data) => data.Kind switch
    {
        "text" => DefaultTextEpochs,
        "moons" or "circles" => 40,
        "spirals" => 200,
        "xor" => 300,
        "csv" => 100,
        _ => 15,
    };

    private static Optimizer CreateOptimizer(string name, IEnumerable<Tensor> parameters, double lr, double weightDecay) => name switch
    {
        "sgd" => new SGD(parameters, lr, momentum: 0.9, weightDecay: weightDecay),
        "adam" => new Adam(parameters, lr, weightDecay: weightDecay),
        "adamw" => new AdamW(parameters, lr, weightDecay: weightDecay),
        "rmsprop" => new RMSprop(parameters, lr, weightDecay: weightDecay),
        "adagrad" => new Adagrad(parameters, lr, weightDecay: weightDecay),
        "adadelta" => new Adadelta(parameters, lr, weightDecay: weightDecay),
        "adamax" => new Adamax(parameters, lr, weightDecay: weightDecay),
        "nadam" => new NAdam(parameters, lr, weightDecay: weightDecay),
        "radam" => new RAdam(parameters, lr, weightDecay: weightDecay),
        _ => throw new UsageException($"unknown optimizer '{name}': expected {string.Join(", ", OptimizerNames)}."),
    };

    /// <summary>The widths of the fully connected layers, e.g. 2-16-16-1, or a text model's layers in words.</summary>
    private static string Describe(Module model)
    {
        if (model is CharModel text) return $"({text.Description})";
        var linear = model.Modules().OfType<Linear>().ToList();
        return linear.Count == 0 ? "" : string.Join("-", linear.Take(1).Select(l => l.InFeatures).Concat(linear.Select(l => l.OutFeatures)));
    }

    /// <summary>
    /// Writes metrics.jsonl: one line per epoch, its metrics and <c>samples_per_second</c>, the training examples of the
    /// epoch (all ranks') over its seconds (the test evaluation included).
    /// </summary>
    private static void WriteMetrics(RunDirectory run, History history, int trainExamples) =>
        run.WriteText(MetricsName, string.Concat(history.Select(e => e.ToJsonWith(SamplesPerSecond(e, trainExamples)) + "\n")));

    private static KeyValuePair<string, double>[] SamplesPerSecond(EpochLog epoch, int trainExamples) =>
        epoch.Seconds > 0 ? [new("samples_per_second", trainExamples / epoch.Seconds)] : [];
}
