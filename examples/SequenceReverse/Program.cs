using System.Diagnostics;
using System.Globalization;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.SequenceReverseExample.FromCommandLine(args, Console.Out, Console.Error);

namespace Nabla.Examples
{
    /// <summary>
    /// A task with a known answer: read a string of 8 to 10 random digits and write it backwards. An encoder-decoder
    /// Transformer learns it: the encoder reads the digits (padding masked out), the decoder writes the answer one
    /// digit at a time, attending to the encoder's output and to what it has written so far. Training uses teacher
    /// forcing (the decoder's input is the true answer shifted right by one, behind a begin token, so all positions
    /// learn in one pass); testing does not (the decoder reads its own previous outputs, greedily, until it writes the
    /// end token). Every batch is freshly drawn, so the model never sees a sequence twice and cannot memorise; training
    /// stops once a validation set is solved, and the result is reported on a separate held-out test set.
    /// </summary>
    public static class SequenceReverseExample
    {
        private const int Pad = 10, Begin = 11, End = 12, Vocabulary = 13;

        /// <summary>Reads <c>--steps N --batch N --width N --layers N --min-length N --max-length N --target X --test N --seed N</c> and runs; exit code 2 for bad arguments.</summary>
        public static int FromCommandLine(string[] args, TextWriter output, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(args);
            ArgumentNullException.ThrowIfNull(error);
            var options = new SequenceReverseOptions();
            for (int i = 0; i < args.Length; i += 2)
            {
                string name = args[i];
                string? value = i + 1 < args.Length ? args[i + 1] : null;
                bool isInt = int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0;
                bool isNumber = double.TryParse(value, CultureInfo.InvariantCulture, out double x) && x is > 0 and <= 1;
                SequenceReverseOptions? next = (name, isInt, isNumber) switch
                {
                    ("--steps", true, _) => options with { MaxSteps = n },
                    ("--batch", true, _) => options with { BatchSize = n },
                    ("--width", true, _) => options with { Width = n },
                    ("--layers", true, _) => options with { Layers = n },
                    ("--min-length", true, _) => options with { MinLength = n },
                    ("--max-length", true, _) => options with { MaxLength = n },
                    ("--test", true, _) => options with { TestSize = n },
                    ("--seed", true, _) => options with { Seed = (ulong)n },
                    ("--target", _, true) => options with { Target = x },
                    _ => null,
                };
                if (next is null)
                {
                    error.WriteLine($"SequenceReverse: bad option '{name} {value}'; expected --steps, --batch, --width, --layers, --min-length, --max-length, --test, --seed (positive integers) or --target (in (0, 1]).");
                    return 2;
                }
                options = next;
            }
            if (options.MinLength > options.MaxLength)
            {
                error.WriteLine($"SequenceReverse: --min-length {options.MinLength} exceeds --max-length {options.MaxLength}.");
                return 2;
            }
            return Run(output, options);
        }

        /// <summary>Trains until the validation set is nearly solved (or the step budget ends) and prints the test accuracy; returns 0 when it reaches the target.</summary>
        public static int Run(TextWriter output, SequenceReverseOptions options)
        {
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(options);
            Generator.ManualSeed(options.Seed);
            var model = new Reverser(options.Width, options.Layers, options.MaxLength + 1);
            var optimizer = new Adam(model.Parameters(), lr: 1e-3);
            var data = new Generator(options.Seed + 1);
            var validation = Batch(options.TestSize, options, new Generator(options.Seed + 2));
            var test = Batch(options.TestSize, options, new Generator(options.Seed + 3));
            output.WriteLine(Invariant($"reverse {options.MinLength}-{options.MaxLength} random digits; model: {model.ParameterCount():N0} parameters"));

            var watch = Stopwatch.StartNew();
            for (int step = 1; step <= options.MaxSteps; step++)
            {
                model.Train();
                double lossValue;
                using (var scope = TensorScope.Begin())
                {
                    var batch = Batch(options.BatchSize, options, data);
                    // Teacher forcing: the decoder reads [begin, answer...] and must predict [answer..., end] at every
                    // position at once; the causal mask keeps position t from seeing the digit it predicts.
                    var logits = model.Forward(batch.Source, batch.DecoderInput);
                    var loss = Functional.CrossEntropy(logits.Reshape(-1, Vocabulary), batch.DecoderTarget.Reshape(-1), ignoreIndex: Pad);
                    optimizer.ZeroGrad(setToNone: false);
                    loss.Backward();
                    GradClip.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
                    optimizer.Step();
                    lossValue = loss.Item();
                }
                if (step % 100 == 0 || step == options.MaxSteps)
                {
                    var (exact, digits) = Accuracy(model, validation, options.MaxLength);
                    output.WriteLine(Invariant($"step {step,5}  loss {lossValue:F4}  validation exact {exact:F3}  digits {digits:F3}  ({watch.Elapsed.TotalSeconds:F0} s)"));
                    // Stop on a nearly solved validation set (at most one miss in a thousand), not on the test set, whose
                    // figure would otherwise be chosen by looking at it.
                    if (exact >= options.StopAt) break;
                }
            }

            var (testExact, testDigits) = Accuracy(model, test, options.MaxLength);
            output.WriteLine(Invariant($"digit accuracy {testDigits:F4} on {options.TestSize} held-out sequences"));
            output.WriteLine(Invariant($"exact-sequence accuracy {testExact:F4} on {options.TestSize} held-out sequences"));
            return testExact >= options.Target ? 0 : 1;
        }

        /// <summary>
        /// <paramref name="count"/> random digit strings as the encoder's input (N, max) padded at the end, the
        /// decoder's input [begin, reversed digits] and its target [reversed digits, end], both (N, max + 1) padded.
        /// </summary>
        private static ReverseBatch Batch(int count, SequenceReverseOptions options, Generator generator)
        {
            int s = options.MaxLength, t = options.MaxLength + 1;
            var source = new long[count * s];
            var decoderInput = new long[count * t];
            var decoderTarget = new long[count * t];
            Array.Fill(source, Pad);
            Array.Fill(decoderInput, Pad);
            Array.Fill(decoderTarget, Pad);
            for (int n = 0; n < count; n++)
            {
                int length = (int)generator.NextInt64(options.MinLength, options.MaxLength + 1);
                for (int i = 0; i < length; i++) source[n * s + i] = generator.NextInt64(0, 10);
                decoderInput[n * t] = Begin;
                for (int i = 0; i < length; i++)
                {
                    long digit = source[n * s + length - 1 - i];
                    decoderTarget[n * t + i] = digit;
                    decoderInput[n * t + i + 1] = digit;
                }
                decoderTarget[n * t + length] = End;
            }
            return new ReverseBatch(Tensor.FromArray(source, count, s), Tensor.FromArray(decoderInput, count, t), Tensor.FromArray(decoderTarget, count, t));
        }

        /// <summary>
        /// Greedy decoding without teacher forcing: the decoder starts from the begin token and reads its own
        /// predictions back. Exact: every digit and the end token right; digits: the fraction of answer digits right.
        /// </summary>
        private static (double Exact, double Digits) Accuracy(Reverser model, ReverseBatch batch, int maxLength)
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            using var scope = TensorScope.Begin();
            int count = batch.Source.Shape[0], t = maxLength + 1;
            var memory = model.Encode(batch.Source);
            var written = new long[count * t];
            for (int n = 0; n < count; n++) written[n * t] = Begin;
            var predicted = new long[count * t];
            for (int position = 0; position < t; position++)
            {
                // The decoder reads what it has written so far (positions past it are masked out by causality).
                var logits = model.Decode(Tensor.FromArray(written, count, t), memory, batch.Source);
                var next = logits.Narrow(1, position, 1).Argmax(-1).ToArray<long>();
                for (int n = 0; n < count; n++)
                {
                    predicted[n * t + position] = next[n];
                    if (position + 1 < t) written[n * t + position + 1] = next[n];
                }
            }

            var target = batch.DecoderTarget.ToArray<long>();
            int exact = 0, digits = 0, digitTotal = 0;
            for (int n = 0; n < count; n++)
            {
                bool all = true;
                for (int i = 0; i < t && target[n * t + i] != Pad; i++)
                {
                    bool right = predicted[n * t + i] == target[n * t + i];
                    all &= right;
                    if (target[n * t + i] == End) continue;
                    digitTotal++;
                    if (right) digits++;
                }
                if (all) exact++;
            }
            return ((double)exact / count, (double)digits / digitTotal);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private sealed record ReverseBatch(Tensor Source, Tensor DecoderInput, Tensor DecoderTarget);

        /// <summary>Token embeddings plus learned positions, a <see cref="Transformer"/>, and a linear map to the 13 tokens.</summary>
        private sealed class Reverser : Module
        {
            private readonly Embedding _embedding;
            private readonly PositionalEmbedding _sourcePositions;
            private readonly PositionalEmbedding _targetPositions;
            private readonly Transformer _transformer;
            private readonly Linear _head;

            public Reverser(int width, int layers, int maxLength)
            {
                _embedding = RegisterModule("embedding", new Embedding(Vocabulary, width));
                _sourcePositions = RegisterModule("source_positions", new PositionalEmbedding(maxLength, width, batchFirst: true));
                _targetPositions = RegisterModule("target_positions", new PositionalEmbedding(maxLength, width, batchFirst: true));
                _transformer = RegisterModule("transformer", new Transformer(width, nHead: 4, layers, layers, dimFeedforward: 4 * width, dropout: 0, batchFirst: true));
                _head = RegisterModule("head", new Linear(width, Vocabulary));
            }

            public override Tensor Forward(Tensor input) =>
                throw new NotSupportedException("Reverser.Forward needs the source and the decoder's input.");

            public Tensor Forward(Tensor source, Tensor decoderInput) => Decode(decoderInput, Encode(source), source);

            /// <summary>The encoder's output for digits (N, S); padding positions are masked out of the attention.</summary>
            public Tensor Encode(Tensor source) =>
                _transformer.Encoder.Forward(_sourcePositions.Forward(_embedding.Forward(source)), srcKeyPaddingMask: source.Eq(Pad).To(DType.Int64));

            /// <summary>Logits (N, T, 13): the causal decoder over <paramref name="decoderInput"/>, attending to the source's non-padding positions.</summary>
            public Tensor Decode(Tensor decoderInput, Tensor memory, Tensor source) =>
                _head.Forward(_transformer.Decoder.Forward(_targetPositions.Forward(_embedding.Forward(decoderInput)), memory,
                    memoryKeyPaddingMask: source.Eq(Pad).To(DType.Int64), tgtIsCausal: true));
        }
    }

    /// <summary>The settings of <see cref="SequenceReverseExample"/>, with the defaults of its default run.</summary>
    public sealed record SequenceReverseOptions
    {
        /// <summary>The most training steps (it stops earlier once the validation set reaches <see cref="Target"/>).</summary>
        public int MaxSteps { get; init; } = 4000;

        /// <summary>Freshly drawn sequences per step.</summary>
        public int BatchSize { get; init; } = 128;

        /// <summary>d_model.</summary>
        public int Width { get; init; } = 64;

        /// <summary>Encoder layers, and as many decoder layers.</summary>
        public int Layers { get; init; } = 2;

        /// <summary>The shortest digit string.</summary>
        public int MinLength { get; init; } = 8;

        /// <summary>The longest digit string.</summary>
        public int MaxLength { get; init; } = 10;

        /// <summary>The validation and test set sizes.</summary>
        public int TestSize { get; init; } = 1000;

        /// <summary>The held-out exact-sequence accuracy to reach (the exit code says whether it did).</summary>
        public double Target { get; init; } = 0.99;

        /// <summary>The validation exact-sequence accuracy at which training stops.</summary>
        public double StopAt { get; init; } = 0.999;

        /// <summary>The seed of the initialisation and the data.</summary>
        public ulong Seed { get; init; }
    }
}
