using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.IO;
using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Training;

/// <summary>
/// A Keras-like training loop around a model, an optimizer and a loss function:
/// <code>
/// var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 1e-3), (output, target) => Functional.CrossEntropy(output, target),
///     new TrainerOptions { ComputeAccuracy = true, Output = Console.Out });
/// var history = trainer.Fit(trainLoader, epochs: 10, validation: testLoader, callbacks: [new EarlyStopping(patience: 3)]);
/// var result = trainer.Evaluate(testLoader);
/// </code>
/// Each training step runs inside a <see cref="TensorScope"/>, so its intermediate tensors are pooled and reused:
/// forward, loss, <c>ZeroGrad(setToNone: false)</c>, backward, optional gradient clipping, optimizer step. Everything
/// random comes from seeded generators, so the same seeds give the same losses, bit for bit, run after run; and a
/// run saved with <see cref="SaveCheckpoint"/> and resumed with <see cref="LoadCheckpoint"/> continues exactly as if
/// it had never stopped.
/// </summary>
public sealed class Trainer
{
    private const string HistoryKey = "trainer.history";
    private const string GeneratorsKey = "trainer.generators";
    private const string PositionKey = "trainer.position";
    private const string OrderKey = "trainer.order";

    /// <summary>Where an interrupted epoch stopped: its order, the batches done and the sums of their metrics.</summary>
    private sealed record EpochPosition(int Epoch, int Batch, int[] Order, double LossSum, long Examples, long Correct, long Predictions, double LearningRate, double Seconds);

    private EpochPosition? _position;

    /// <summary>Creates a trainer; the options are checked here.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="lossFunction">Maps (model output, batch target) to a scalar loss, e.g. <c>(o, t) =&gt; Functional.CrossEntropy(o, t)</c>.</param>
    /// <param name="options">How to train and report; the defaults when null.</param>
    public Trainer(Module model, Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFunction, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(lossFunction);
        options ??= new TrainerOptions();
        options.Validate();
        Model = model;
        Optimizer = optimizer;
        LossFunction = lossFunction;
        Options = options;
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer that updates the model.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The loss function, (output, target) → scalar.</summary>
    public Func<Tensor, Tensor, Tensor> LossFunction { get; }

    /// <summary>How the trainer trains and reports.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The number of completed epochs over the whole run (restored by <see cref="LoadCheckpoint"/>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The number of optimizer steps taken over the whole run (restored by <see cref="LoadCheckpoint"/>).</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Every completed epoch of the run, oldest first.</summary>
    public History History { get; } = new();

    /// <summary>
    /// Set by a callback (such as <see cref="EarlyStopping"/>) to end <see cref="Fit"/> once the current epoch
    /// has finished; <see cref="Fit"/> clears it when it starts.
    /// </summary>
    public bool StopTraining { get; set; }

    /// <summary>
    /// The batches of epoch <see cref="Epoch"/> + 1 already trained: 0 between epochs, more after <see cref="Fit"/> was
    /// cancelled mid-epoch or <see cref="LoadCheckpoint"/> restored a checkpoint taken then; <see cref="Fit"/> goes on
    /// with the next batch of that epoch's order.
    /// </summary>
    public int EpochBatch => _position?.Batch ?? 0;

    /// <summary>
    /// Trains for <paramref name="epochs"/> more epochs (numbered on from <see cref="Epoch"/>), validating after each one
    /// when <paramref name="validation"/> is given, and returns <see cref="History"/>. The model is put in training mode
    /// for every epoch. A callback that sets <see cref="StopTraining"/> ends training after the current epoch.
    /// </summary>
    /// <param name="train">The training batches; a shuffling loader draws a new order every epoch.</param>
    /// <param name="epochs">The number of epochs to train; at least 0.</param>
    /// <param name="validation">Data to evaluate after every epoch (<see cref="Evaluate"/>), or null.</param>
    /// <param name="callbacks">Hooks called in the order given.</param>
    /// <param name="cancellationToken">
    /// Ends training after the current batch when cancelled (an interrupt): <see cref="Fit"/> then throws an
    /// <see cref="OperationCanceledException"/>, and the trainer holds the epoch's position (<see cref="EpochBatch"/>),
    /// which <see cref="SaveCheckpoint"/> records, so that a resumed run goes on with the next batch exactly.
    /// </param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public History Fit(DataLoader train, int epochs, DataLoader? validation = null, IEnumerable<Callback>? callbacks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), $"Trainer.Fit: epochs must be at least 0, got {epochs}.");
        Callback[] hooks = callbacks is null ? [] : [.. callbacks];
        for (int i = 0; i < hooks.Length; i++)
            if (hooks[i] is null) throw new ArgumentException($"Trainer.Fit: callback {i} is null.", nameof(callbacks));
        var parameters = Model.Parameters().ToArray();
        int lastEpoch = Epoch + epochs;
        StopTraining = false;
        foreach (var hook in hooks) hook.OnTrainBegin(this);
        var console = Options.ProgressConsole ?? (Console.IsOutputRedirected ? null : Console.Out);
        var progress = Options.Progress && console is not null ? new ProgressLine(console) : null;
        while (Epoch < lastEpoch && !StopTraining)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int epoch = Epoch + 1;
            foreach (var hook in hooks) hook.OnEpochBegin(this, epoch);
            EpochLog log;
            try
            {
                log = TrainEpoch(train, epoch, lastEpoch, parameters, validation, hooks, progress, cancellationToken);
            }
            finally
            {
                progress?.Clear();
            }
            Epoch = epoch;
            History.Add(log);
            Options.Output?.WriteLine(log.Describe(lastEpoch));
            foreach (var hook in hooks) hook.OnEpochEnd(this, log);
        }
        foreach (var hook in hooks) hook.OnTrainEnd(this);
        return History;
    }

    private EpochLog TrainEpoch(DataLoader train, int epoch, int lastEpoch, Tensor[] parameters, DataLoader? validation, Callback[] hooks,
        ProgressLine? progress, CancellationToken cancellationToken)
    {
        // A resumed epoch goes on in the order it was drawn in, with the sums of the batches it had trained.
        var resumed = _position is { } p && p.Epoch == epoch ? p : null;
        _position = null;
        var order = resumed?.Order ?? train.DrawOrder();
        int batches = train.BatchCount(order);
        var watch = Stopwatch.StartNew();
        double secondsBefore = resumed?.Seconds ?? 0;
        Model.Train();
        double learningRate = resumed?.LearningRate ?? Optimizer.LearningRate;
        double lossSum = resumed?.LossSum ?? 0;
        long examples = resumed?.Examples ?? 0, correct = resumed?.Correct ?? 0, predictions = resumed?.Predictions ?? 0;
        int batch = resumed?.Batch ?? 0;
        using var enumerator = train.Batches(order, batch);
        while (enumerator.MoveNext())
        {
            var (input, target) = enumerator.Current;
            int size = input.Rank == 0 ? 1 : input.Shape[0];
            double loss;
            using (var scope = TensorScope.Begin())
            {
                var output = Model.Forward(input);
                var lossTensor = ComputeLoss(output, target);
                Optimizer.ZeroGrad(setToNone: false);
                lossTensor.Backward();
                loss = lossTensor.Item();
                double gradNorm = Options.ClipGradNorm is { } maxNorm ? GradClip.ClipGradNorm(parameters, maxNorm) : 0;
                // Checked before the step, so that the parameters are still those of the last finite step.
                if (!Options.AllowNonFinite && !(double.IsFinite(loss) && double.IsFinite(gradNorm)))
                    throw NonFinite(epoch, batch + 1, loss, gradNorm);
                Optimizer.Step();
                if (Options.ComputeAccuracy) Count(output, target, ref correct, ref predictions);
            }
            batch++;
            GlobalStep++;
            lossSum += loss * size;
            examples += size;
            var batchLog = new BatchLog(epoch, batch, size, loss, GlobalStep)
            {
                BatchCount = batches,
                LastEpoch = lastEpoch,
                EpochLoss = lossSum / examples,
                EpochAccuracy = Options.ComputeAccuracy && predictions > 0 ? (double)correct / predictions : null,
                EpochExamples = examples,
                EpochSeconds = secondsBefore + watch.Elapsed.TotalSeconds,
            };
            foreach (var hook in hooks) hook.OnBatchEnd(this, batchLog);
            if (Options.LogInterval > 0 && batch % Options.LogInterval == 0)
            {
                progress?.Clear();
                Options.Output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {epoch}/{lastEpoch}  batch {batch}/{train.Count}  loss {loss:F4}"));
            }
            progress?.Update(batchLog);
            if (cancellationToken.IsCancellationRequested && batch < batches)
            {
                _position = new EpochPosition(epoch, batch, order, lossSum, examples, correct, predictions, learningRate, secondsBefore + watch.Elapsed.TotalSeconds);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        var evaluation = validation is null ? null : Evaluate(validation);
        double trainLoss = examples == 0 ? double.NaN : lossSum / examples;
        return new EpochLog
        {
            Epoch = epoch,
            TrainLoss = trainLoss,
            TrainAccuracy = Options.ComputeAccuracy ? (predictions == 0 ? double.NaN : (double)correct / predictions) : null,
            TrainPerplexity = Options.ComputePerplexity ? Math.Exp(trainLoss) : null,
            ValidationLoss = evaluation?.Loss,
            ValidationAccuracy = evaluation?.Accuracy,
            ValidationPerplexity = evaluation?.Perplexity,
            LearningRate = learningRate,
            Seconds = secondsBefore + watch.Elapsed.TotalSeconds,
            ValidationName = Options.ValidationName,
        };
    }

    /// <summary>
    /// Measures the model on <paramref name="data"/> without training it: in evaluation mode (dropout off, batch norm
    /// on its running statistics) and without recording a graph. Each module's training mode is restored afterwards.
    /// </summary>
    /// <param name="data">The batches to evaluate.</param>
    /// <param name="collectPredictions">Also return every example's predicted and true class (for a confusion matrix).</param>
    public EvaluationResult Evaluate(DataLoader data, bool collectPredictions = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        var modes = Model.Modules().Select(m => (Module: m, m.IsTraining)).ToList();
        Model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            double lossSum = 0;
            long correct = 0, predicted = 0;
            int examples = 0;
            var predictions = new List<long[]>();
            var targets = new List<long[]>();
            foreach (var (input, target) in data)
            {
                using var scope = TensorScope.Begin();
                int size = input.Rank == 0 ? 1 : input.Shape[0];
                var output = Model.Forward(input);
                lossSum += ComputeLoss(output, target).Item() * size;
                examples += size;
                if (Options.ComputeAccuracy) Count(output, target, ref correct, ref predicted);
                if (collectPredictions)
                {
                    predictions.Add(Metrics.PredictedClasses(output).ToArray<long>());
                    targets.Add(Labels(target));
                }
            }
            double loss = examples == 0 ? double.NaN : lossSum / examples;
            return new EvaluationResult
            {
                Loss = loss,
                Accuracy = Options.ComputeAccuracy ? (predicted == 0 ? double.NaN : (double)correct / predicted) : null,
                Perplexity = Options.ComputePerplexity ? Math.Exp(loss) : null,
                Count = examples,
                Predictions = collectPredictions ? Tensor.FromArray(predictions.SelectMany(p => p).ToArray()) : null,
                Targets = collectPredictions ? Tensor.FromArray(targets.SelectMany(t => t).ToArray()) : null,
            };
        }
        finally
        {
            // Pre-order: a parent's Train call resets its children, which are restored right after it.
            foreach (var (module, training) in modes) module.Train(training);
        }
    }

    private NonFiniteLossException NonFinite(int epoch, int batch, double loss, double gradNorm)
    {
        string what = double.IsFinite(loss)
            ? $"the gradient norm is {gradNorm.ToString(CultureInfo.InvariantCulture)} (the loss is {loss.ToString(CultureInfo.InvariantCulture)})"
            : $"the loss is {loss.ToString(CultureInfo.InvariantCulture)}";
        return new NonFiniteLossException(
            $"Trainer.Fit: training stopped at epoch {epoch}, batch {batch} (global step {GlobalStep + 1}): {what}. The optimizer step was not taken. " +
            "Run the step inside 'using (Autograd.DetectAnomaly())' to find the op that first produced it, lower the learning rate, " +
            "or set TrainerOptions.AllowNonFinite to train on regardless.", epoch, batch);
    }

    private Tensor ComputeLoss(Tensor output, Tensor target)
    {
        var loss = LossFunction(output, target) ?? throw new InvalidOperationException("Trainer: the loss function returned null.");
        if (loss.Numel != 1)
            throw new InvalidOperationException($"Trainer: the loss function must return a single value, got {ShapeUtil.Describe(loss)} for output {ShapeUtil.Describe(output)} and target {ShapeUtil.Describe(target)}.");
        return loss;
    }

    /// <summary>Adds a batch's correct predictions and its number of predictions (one per example, or one per position of a sequence).</summary>
    private static void Count(Tensor output, Tensor target, ref long correct, ref long predictions)
    {
        var (right, count) = Metrics.CountCorrect(output, target);
        correct += right;
        predictions += count;
    }

    private static long[] Labels(Tensor target) =>
        target.DType == DType.Int64 ? target.Reshape(-1).ToArray<long>() : Array.ConvertAll(target.Reshape(-1).ToDoubleArray(), v => (long)Math.Round(v));

    /// <summary>
    /// Writes everything needed to resume training to one safetensors file, atomically (<see cref="IO.Checkpoint"/>): the
    /// model's state dict, the optimizer's state (buffers as tensors, steps and hyper-parameters as JSON), the schedule's
    /// progress, <see cref="Epoch"/>, <see cref="GlobalStep"/>, <see cref="History"/>, the state of
    /// <see cref="Generator.Default"/> and of the training loader's shuffle generator and any other generators given.
    /// Call it between epochs (from <see cref="Callback.OnEpochEnd"/> or after <see cref="Fit"/>), or after <see cref="Fit"/>
    /// was cancelled mid-epoch, when it also records the epoch's order, the batches trained and their metrics so far
    /// (<see cref="EpochBatch"/>). Such a resume is exact when nothing draws from a generator ahead of the training
    /// step: a random transform of the training set must run on the training thread (a loader without prefetch), or
    /// the batches fetched ahead have already moved its generator on. Callbacks keep their
    /// own progress (early stopping's count of waiting epochs, for example), which a checkpoint does not include.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="train">The training loader, whose <see cref="DataLoader.Generator"/> decides the next epochs' orders.</param>
    /// <param name="scheduler">The learning-rate schedule, if one is used.</param>
    /// <param name="generators">Further generators the run draws from, e.g. random transforms' and dropout's, in a fixed order.</param>
    /// <param name="metadata">Further string pairs to record, such as the run's settings; read them back from <see cref="CheckpointData.Metadata"/>. Keys starting with <c>trainer.</c> are the trainer's own.</param>
    public void SaveCheckpoint(string path, DataLoader? train = null, LRSchedulerCallback? scheduler = null, IReadOnlyList<Generator>? generators = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith("trainer.", StringComparison.Ordinal))
                throw new ArgumentException($"Trainer.SaveCheckpoint: the metadata key '{key}' is reserved; keys starting with 'trainer.' are the trainer's own.", nameof(metadata));
            entries[key] = value;
        }
        var (optimizerTensors, optimizerJson) = TrainingCheckpoint.Write(Optimizer.StateDict());
        var states = ResumableGenerators(train, generators).Select(g => g.GetState()).ToList();
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var data = new CheckpointData
        {
            Model = Model.StateDict(),
            OptimizerTensors = optimizerTensors,
            OptimizerJson = optimizerJson,
            SchedulerJson = scheduler is null ? null : TrainingCheckpoint.WriteScheduler(scheduler.StateDict()),
            Epoch = Epoch,
            Step = GlobalStep,
            RngState = Generator.Default.GetState(),
            Metadata = new Dictionary<string, string>(entries, StringComparer.Ordinal)
            {
                [HistoryKey] = History.ToJson(),
                [GeneratorsKey] = TrainingCheckpoint.WriteGenerators(states),
            },
        };
        if (_position is { } position)
        {
            data.Metadata[PositionKey] = TrainingCheckpoint.WritePosition(position.Epoch, position.Batch, position.LossSum, position.Examples,
                position.Correct, position.Predictions, position.LearningRate, position.Seconds);
            data.Metadata[OrderKey] = TrainingCheckpoint.WriteOrder(position.Order);
        }
        IO.Checkpoint.Save(path, data);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer, whose model, optimizer, schedule,
    /// loader and generators must be built as they were for the saved run. <see cref="Fit"/> then continues with epoch
    /// <see cref="Epoch"/> + 1, and the losses are exactly those the uninterrupted run would have had.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="train">The training loader, as passed to <see cref="SaveCheckpoint"/>.</param>
    /// <param name="scheduler">The learning-rate schedule, as passed to <see cref="SaveCheckpoint"/>.</param>
    /// <param name="generators">The further generators, as passed to <see cref="SaveCheckpoint"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this kind of run; the message says what does not match.</exception>
    public void LoadCheckpoint(string path, DataLoader? train = null, LRSchedulerCallback? scheduler = null, IReadOnlyList<Generator>? generators = null)
    {
        var data = IO.Checkpoint.Load(path);
        string Fail(string problem) => $"Trainer.LoadCheckpoint: '{path}': {problem}";
        EpochPosition? position = null;
        if (data.Metadata.TryGetValue(PositionKey, out var positionJson))
        {
            var p = TrainingCheckpoint.ReadPosition(positionJson, Fail);
            if (p.Epoch != data.Epoch + 1)
                throw new InvalidDataException(Fail($"the interrupted epoch is {p.Epoch}, but the checkpoint has {data.Epoch} complete epoch(s); it must be the next one."));
            if (train is null)
                throw new InvalidDataException(Fail($"it was taken in the middle of epoch {p.Epoch} (after batch {p.Batch}), which resumes only with the training loader; pass it."));
            var order = TrainingCheckpoint.ReadOrder(data.Metadata.TryGetValue(OrderKey, out var orderText) ? orderText : null, train.Dataset.Count, Fail);
            if (order.Length != train.Sampler.Count)
                throw new InvalidDataException(Fail($"the interrupted epoch's order has {order.Length} examples, but the training loader's sampler draws {train.Sampler.Count}."));
            if (p.Batch >= train.BatchCount(order))
                throw new InvalidDataException(Fail($"it stopped after batch {p.Batch} of epoch {p.Epoch}, but the training loader makes {train.BatchCount(order)} batches of that order."));
            position = new EpochPosition(p.Epoch, p.Batch, order, p.LossSum, p.Examples, p.Correct, p.Predictions, p.LearningRate, p.Seconds);
        }

        var optimizerState = TrainingCheckpoint.Read(data.OptimizerTensors, data.OptimizerJson, Fail);
        if (scheduler is not null && data.SchedulerJson is null)
            throw new InvalidDataException(Fail("a schedule was given but the checkpoint has no schedule state."));
        var schedulerState = scheduler is null ? null : TrainingCheckpoint.ReadScheduler(data.SchedulerJson!, Fail);
        var targets = ResumableGenerators(train, generators);
        var states = data.Metadata.TryGetValue(GeneratorsKey, out var words) ? TrainingCheckpoint.ReadGenerators(words, Fail) : [];
        if (states.Count != targets.Count)
            throw new InvalidDataException(Fail($"the checkpoint holds the state of {states.Count} generator(s) (the training loader's and the extra ones), but {targets.Count} were given."));
        if (data.RngState.Length != 6)
            throw new InvalidDataException(Fail($"the global generator's state has {data.RngState.Length} words, expected 6."));
        if (data.RngState[0] == 0 && data.RngState[1] == 0 && data.RngState[2] == 0 && data.RngState[3] == 0)
            throw new InvalidDataException(Fail("the global generator's state is all zeros, which xoshiro256** can never leave."));
        var history = new History();
        try
        {
            if (data.Metadata.TryGetValue(HistoryKey, out var historyJson)) history.Load(historyJson, Options.ValidationName);
        }
        catch (Exception e) when (TrainingCheckpoint.IsMalformed(e))
        {
            throw new InvalidDataException(Fail($"the training history is malformed: {e.Message}"), e);
        }

        try
        {
            Model.LoadStateDict(data.Model);
            Optimizer.LoadStateDict(optimizerState);
            if (schedulerState is not null) scheduler!.LoadStateDict(schedulerState);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException(Fail($"it does not fit this run's model, optimizer or schedule: {e.Message}"), e);
        }
        for (int i = 0; i < targets.Count; i++) targets[i].SetState(states[i]);
        Generator.Default.SetState(data.RngState);
        Epoch = data.Epoch;
        GlobalStep = data.Step;
        History.ReplaceWith(history);
        _position = position;
    }

    private static List<Generator> ResumableGenerators(DataLoader? train, IReadOnlyList<Generator>? generators)
    {
        var list = new List<Generator>();
        if (train?.Generator is { } shuffle) list.Add(shuffle);
        if (generators is not null)
        {
            for (int i = 0; i < generators.Count; i++)
                list.Add(generators[i] ?? throw new ArgumentException($"Trainer: generator {i} is null.", nameof(generators)));
        }
        return list;
    }
}
