using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.CharLanguageModelExample.FromCommandLine(args, Console.Out, Console.Error);

namespace Nabla.Examples
{
    /// <summary>
    /// A character-level language model: given the characters of a text so far, predict the next one. The text (any
    /// UTF-8 file, by default the GPL-3 licence that every Debian system has) is cut into a training part (the first
    /// 90 %) and a held-out part (the rest, never trained on), both cut into windows of <c>--seq</c> characters. Two
    /// models learn it: an LSTM, which reads a window one character at a time and carries a state, and a small causal
    /// Transformer, which looks at the whole window at once but may only attend to earlier positions. Every epoch prints
    /// the training loss, the held-out loss and the held-out perplexity (e^loss: "as unsure as a uniform choice among
    /// that many characters"); the unigram model (each character's frequency, no context at all) sets the bar. At the
    /// end the model writes a continuation of a prompt, one sampled character at a time.
    /// </summary>
    public static class CharLanguageModelExample
    {
        /// <summary>Parses the command line (<see cref="CharLanguageModelOptions.Parse"/>) and runs; exit code 2 for bad arguments or an unreadable text.</summary>
        public static int FromCommandLine(string[] args, TextWriter output, TextWriter error)
        {
            CharLanguageModelOptions options;
            string text;
            try
            {
                options = CharLanguageModelOptions.Parse(args);
                text = File.ReadAllText(options.TextPath);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
            return Run(output, text, options, options.TextPath);
        }

        /// <summary>Trains on <paramref name="text"/> and samples; returns 0 when the final held-out perplexity beats the unigram model's.</summary>
        public static int Run(TextWriter output, string text, CharLanguageModelOptions options, string source = "text")
        {
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(text);
            ArgumentNullException.ThrowIfNull(options);
            if (options.MaxChars is int max && text.Length > max) text = text[..max];

            // One vocabulary for both parts, so that a character seen only in the held-out part still has a token.
            var vocabulary = CharVocabulary.FromText(text);
            int cut = (int)(text.Length * 0.9);
            if (char.IsHighSurrogate(text[cut - 1])) cut--;
            var train = new TextSequences(text[..cut], options.SequenceLength, vocabulary: vocabulary);
            var heldOut = new TextSequences(text[cut..], options.SequenceLength, vocabulary: vocabulary);
            output.WriteLine(Invariant($"{source}: {text.Length} characters, {vocabulary.Count} distinct; {cut} for training, {text.Length - cut} held out"));

            double unigram = Math.Exp(UnigramLoss(train.Tokens, heldOut.Tokens, vocabulary.Count));
            output.WriteLine(Invariant($"unigram perplexity {unigram:F2} (uniform: {vocabulary.Count})"));

            Generator.ManualSeed(options.Seed);
            CharModel model = options.Model == "lstm"
                ? new LstmLanguageModel(vocabulary.Count, options.Width, options.Layers, options.Dropout)
                : new TransformerLanguageModel(vocabulary.Count, options.Width, options.Layers, options.Heads, options.SequenceLength, options.Dropout);
            output.WriteLine(Invariant($"model {options.Model}: {model.Describe()}, {model.ParameterCount():N0} parameters"));

            var optimizer = new AdamW(model.Parameters(), lr: options.LearningRate, weightDecay: 0.01);
            var loader = new DataLoader(train, options.BatchSize, shuffle: true, generator: new Generator(options.Seed));
            double perplexity = double.NaN;
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var watch = Stopwatch.StartNew();
                model.Train();
                double trainLoss = 0;
                int batches = 0;
                foreach (var (input, target) in loader)
                {
                    using var scope = TensorScope.Begin();
                    // Teacher forcing: the input at step t is the text's true character t, never the model's own
                    // guess, so all T predictions of a window are made (and scored) in one pass.
                    var logits = model.Forward(input);
                    var loss = Functional.CrossEntropy(logits.Reshape(-1, vocabulary.Count), target.Reshape(-1));
                    optimizer.ZeroGrad(setToNone: false);
                    // Backpropagation through time: the LSTM's graph is the recurrence unrolled over the window, so the
                    // gradient walks back through all T steps. It stops at the window's start (the state starts at
                    // zero), which is what makes this "truncated" BPTT.
                    loss.Backward();
                    // A recurrence multiplies the gradient by the same Jacobian at every step, so now and then it is
                    // huge; rescaling its total norm to at most 1 keeps one bad batch from wrecking the weights.
                    GradClip.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
                    optimizer.Step();
                    trainLoss += loss.Item();
                    batches++;
                }
                double heldOutLoss = Evaluate(model, heldOut, vocabulary.Count, options.BatchSize);
                perplexity = Math.Exp(heldOutLoss);
                output.WriteLine(Invariant(
                    $"epoch {epoch,3}  train loss {trainLoss / batches:F4}  held-out loss {heldOutLoss:F4}  perplexity {perplexity:F2}  ({watch.Elapsed.TotalSeconds:F1} s)"));
            }

            string prompt = PromptFor(options.Prompt, vocabulary, text[cut..]);
            var sample = model.Generate(vocabulary.Encode(prompt), options.SampleLength, options.Temperature, new Generator(options.Seed));
            output.WriteLine(Invariant($"sample (temperature {options.Temperature}), prompt \"{prompt}\":"));
            output.WriteLine(prompt + vocabulary.Decode(sample));
            return perplexity < unigram ? 0 : 1;
        }

        /// <summary>The mean cross-entropy per character over the held-out windows, in evaluation mode (no dropout) and without a graph.</summary>
        private static double Evaluate(CharModel model, TextSequences data, int vocabularySize, int batchSize)
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            double total = 0;
            long count = 0;
            foreach (var (input, target) in new DataLoader(data, batchSize))
            {
                using var scope = TensorScope.Begin();
                var logits = model.Forward(input);
                total += Functional.CrossEntropy(logits.Reshape(-1, vocabularySize), target.Reshape(-1), reduction: Reduction.Sum).Item();
                count += target.Numel;
            }
            return total / count;
        }

        /// <summary>
        /// The held-out cross-entropy of the model without context: each character's frequency in the training part
        /// (plus one, so that a character the training part never shows still gets a small probability).
        /// </summary>
        private static double UnigramLoss(ReadOnlySpan<long> train, ReadOnlySpan<long> heldOut, int vocabularySize)
        {
            var counts = new double[vocabularySize];
            foreach (long token in train) counts[token]++;
            double total = train.Length + vocabularySize;
            double loss = 0;
            foreach (long token in heldOut) loss -= Math.Log((counts[token] + 1) / total);
            return loss / heldOut.Length;
        }

        /// <summary>The prompt to continue: the one asked for, or (if its characters are not all in the text) the held-out part's first characters.</summary>
        private static string PromptFor(string prompt, CharVocabulary vocabulary, string heldOut)
        {
            if (prompt.Length > 0 && prompt.EnumerateRunes().All(vocabulary.Contains)) return prompt;
            var start = heldOut.AsSpan(0, Math.Min(16, heldOut.Length));
            if (start.Length > 0 && char.IsHighSurrogate(start[^1])) start = start[..^1];
            return start.ToString();
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The settings of <see cref="CharLanguageModelExample"/>, with the defaults of its default run.</summary>
    public sealed record CharLanguageModelOptions
    {
        /// <summary>"lstm" or "transformer".</summary>
        public string Model { get; init; } = "lstm";

        /// <summary>The UTF-8 text to learn.</summary>
        public string TextPath { get; init; } = "/usr/share/common-licenses/GPL-3";

        /// <summary>Only the text's first characters, when set (for quick runs).</summary>
        public int? MaxChars { get; init; }

        /// <summary>Passes over the training windows.</summary>
        public int Epochs { get; init; } = 20;

        /// <summary>T, the window length: how far back the gradient flows, and the Transformer's context.</summary>
        public int SequenceLength { get; init; } = 64;

        /// <summary>Windows per batch.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>The LSTM's hidden size or the Transformer's d_model; the embedding has the same width.</summary>
        public int Width { get; init; } = 256;

        /// <summary>LSTM layers or Transformer encoder layers.</summary>
        public int Layers { get; init; } = 1;

        /// <summary>The Transformer's attention heads.</summary>
        public int Heads { get; init; } = 4;

        /// <summary>The dropout probability (the text is small, so the models overfit without it).</summary>
        public double Dropout { get; init; } = 0.2;

        /// <summary>AdamW's learning rate.</summary>
        public double LearningRate { get; init; } = 3e-3;

        /// <summary>The prompt whose continuation is sampled.</summary>
        public string Prompt { get; init; } = "This License ";

        /// <summary>The number of characters to sample.</summary>
        public int SampleLength { get; init; } = 300;

        /// <summary>The sampling temperature: below 1 sharpens the distribution, above 1 flattens it.</summary>
        public double Temperature { get; init; } = 0.8;

        /// <summary>The seed of the initialisation, the shuffle and the sampling.</summary>
        public ulong Seed { get; init; }

        /// <summary>
        /// The Transformer's defaults: d_model 128, two layers, and smaller batches at a lower learning rate, since
        /// attention learns from few steps less readily than the LSTM.
        /// </summary>
        public static CharLanguageModelOptions Transformer { get; } = new()
        {
            Model = "transformer",
            Width = 128,
            Layers = 2,
            BatchSize = 16,
            LearningRate = 2e-3,
            Dropout = 0.1,
        };

        /// <summary>
        /// Reads (starting from <see cref="Transformer"/>'s defaults when the model is the Transformer) <c>--model lstm|transformer --text PATH --max-chars N --epochs N --seq N --batch N --width N
        /// --layers N --heads N --dropout P --lr X --prompt TEXT --sample-length N --temperature X --seed N</c>.
        /// </summary>
        public static CharLanguageModelOptions Parse(string[] args)
        {
            ArgumentNullException.ThrowIfNull(args);
            int model = Array.IndexOf(args, "--model");
            var options = model >= 0 && model + 1 < args.Length && args[model + 1] == "transformer" ? Transformer : new CharLanguageModelOptions();
            for (int i = 0; i < args.Length; i += 2)
            {
                string name = args[i];
                if (i + 1 >= args.Length) throw new ArgumentException($"CharLanguageModel: {name} needs a value.");
                string value = args[i + 1];
                options = name switch
                {
                    "--model" => options with { Model = value is "lstm" or "transformer" ? value : throw new ArgumentException($"CharLanguageModel: --model must be lstm or transformer, got '{value}'.") },
                    "--text" => options with { TextPath = value },
                    "--max-chars" => options with { MaxChars = Positive(name, value) },
                    "--epochs" => options with { Epochs = Positive(name, value) },
                    "--seq" => options with { SequenceLength = Positive(name, value) },
                    "--batch" => options with { BatchSize = Positive(name, value) },
                    "--width" => options with { Width = Positive(name, value) },
                    "--layers" => options with { Layers = Positive(name, value) },
                    "--heads" => options with { Heads = Positive(name, value) },
                    "--dropout" => options with { Dropout = Number(name, value, 0, 1) },
                    "--lr" => options with { LearningRate = Number(name, value, 0, double.PositiveInfinity) },
                    "--prompt" => options with { Prompt = value },
                    "--sample-length" => options with { SampleLength = Positive(name, value) },
                    "--temperature" => options with { Temperature = Number(name, value, 1e-3, double.PositiveInfinity) },
                    "--seed" => options with { Seed = ulong.TryParse(value, CultureInfo.InvariantCulture, out ulong seed) ? seed : throw new ArgumentException($"CharLanguageModel: --seed must be a non-negative integer, got '{value}'.") },
                    _ => throw new ArgumentException($"CharLanguageModel: unknown option '{name}'; expected --model, --text, --max-chars, --epochs, --seq, --batch, --width, --layers, --heads, --dropout, --lr, --prompt, --sample-length, --temperature or --seed."),
                };
            }
            return options;
        }

        private static int Positive(string name, string value) =>
            int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"CharLanguageModel: {name} must be a positive integer, got '{value}'.");

        private static double Number(string name, string value, double min, double max) =>
            double.TryParse(value, CultureInfo.InvariantCulture, out double x) && x >= min && x <= max
                ? x
                : throw new ArgumentException($"CharLanguageModel: {name} must be a number in [{min}, {max}], got '{value}'.");
    }

    /// <summary>A next-character model: tokens (N, T) to logits (N, T, vocabulary), and a sampler.</summary>
    public abstract class CharModel : Module
    {
        /// <summary>The layers, in one line.</summary>
        public abstract string Describe();

        /// <summary>Continues <paramref name="prompt"/> by <paramref name="length"/> sampled tokens.</summary>
        public abstract long[] Generate(long[] prompt, int length, double temperature, Generator generator);

        /// <summary>
        /// Draws the next token from the logits of one position: softmax(logits / temperature), sampled with
        /// <see cref="Tensor.Multinomial"/> rather than taking the most likely character, which quickly loops.
        /// </summary>
        protected static long SampleNext(Tensor logits, double temperature, Generator generator) =>
            (logits.Reshape(-1) / temperature).Softmax(-1).Multinomial(1, generator: generator).ToArray<long>()[0];
    }

    /// <summary>Embedding → LSTM → dropout → Linear: the state carries what the model has read so far.</summary>
    public sealed class LstmLanguageModel : CharModel
    {
        private readonly Embedding _embedding;
        private readonly LSTM _lstm;
        private readonly Dropout _dropout;
        private readonly Linear _head;

        /// <summary>Creates the model.</summary>
        public LstmLanguageModel(int vocabularySize, int hiddenSize, int layers, double dropout)
        {
            _embedding = RegisterModule("embedding", new Embedding(vocabularySize, hiddenSize));
            _lstm = RegisterModule("lstm", new LSTM(hiddenSize, hiddenSize, layers, batchFirst: true, dropout: layers > 1 ? dropout : 0));
            _dropout = RegisterModule("dropout", new Dropout(dropout));
            _head = RegisterModule("head", new Linear(hiddenSize, vocabularySize));
        }

        /// <summary>Logits (N, T, vocabulary) for tokens (N, T), from a zero state.</summary>
        public override Tensor Forward(Tensor input) => Forward(input, null).Logits;

        /// <summary>Logits for tokens (N, T) read after <paramref name="state"/> (zeros when null), and the state after them.</summary>
        public (Tensor Logits, (Tensor H, Tensor C) State) Forward(Tensor tokens, (Tensor H, Tensor C)? state)
        {
            var (hidden, next) = _lstm.Forward(_embedding.Forward(tokens), state);
            return (_head.Forward(_dropout.Forward(hidden)), next);
        }

        /// <inheritdoc/>
        public override string Describe() =>
            $"Embedding({_embedding.NumEmbeddings}, {_embedding.EmbeddingDim}) - LSTM({_lstm.InputSize} -> {_lstm.HiddenSize}, {_lstm.NumLayers} layer(s)) - Linear({_head.InFeatures} -> {_head.OutFeatures})";

        /// <summary>
        /// Reads the prompt once, then feeds each sampled character back in as a (1, 1) input together with the state,
        /// so every step costs one LSTM step however long the text grows.
        /// </summary>
        public override long[] Generate(long[] prompt, int length, double temperature, Generator generator)
        {
            ArgumentNullException.ThrowIfNull(prompt);
            Eval();
            using var noGrad = Autograd.NoGrad();
            var (logits, state) = Forward(Tensor.FromArray(prompt, 1, prompt.Length), null);
            var last = logits.Narrow(1, prompt.Length - 1, 1);
            var result = new long[length];
            for (int i = 0; i < length; i++)
            {
                result[i] = SampleNext(last, temperature, generator);
                (last, state) = Forward(Tensor.FromArray(new[] { result[i] }, 1, 1), state);
            }
            return result;
        }
    }

    /// <summary>
    /// Embedding + learned positions → pre-norm Transformer encoder layers with a causal mask → LayerNorm → Linear (a
    /// miniature GPT). The causal mask is what makes an encoder a language model: position t may attend to 0 … t only,
    /// so it cannot peek at the character it must predict.
    /// </summary>
    public sealed class TransformerLanguageModel : CharModel
    {
        private readonly Embedding _embedding;
        private readonly PositionalEmbedding _positions;
        private readonly TransformerEncoder _encoder;
        private readonly Linear _head;

        /// <summary>Creates the model; its context is <paramref name="context"/> characters.</summary>
        public TransformerLanguageModel(int vocabularySize, int dModel, int layers, int heads, int context, double dropout)
        {
            _embedding = RegisterModule("embedding", new Embedding(vocabularySize, dModel));
            _positions = RegisterModule("positions", new PositionalEmbedding(context, dModel, batchFirst: true));
            _encoder = RegisterModule("encoder", new TransformerEncoder(
                _ => new TransformerEncoderLayer(dModel, heads, 4 * dModel, dropout, activation: "gelu", batchFirst: true, normFirst: true),
                layers, new LayerNorm(dModel)));
            _head = RegisterModule("head", new Linear(dModel, vocabularySize));
            using var noGrad = Autograd.NoGrad();
            // N(0, 1) positions would drown the token embeddings at the start; GPT-2 starts them at N(0, 0.02²).
            Init.Normal(_positions.Embedding.Weight, 0, 0.02);
        }

        /// <summary>The context length: the longest input.</summary>
        public int Context => _positions.MaxLen;

        /// <summary>Logits (N, T, vocabulary) for tokens (N, T), T ≤ <see cref="Context"/>.</summary>
        public override Tensor Forward(Tensor input) =>
            _head.Forward(_encoder.Forward(_positions.Forward(_embedding.Forward(input)), isCausal: true));

        /// <inheritdoc/>
        public override string Describe() =>
            $"Embedding({_embedding.NumEmbeddings}, {_embedding.EmbeddingDim}) + positions({Context}) - {_encoder.NumLayers} causal encoder layer(s) ({_encoder[0].NHead} heads, feed-forward {_encoder[0].DimFeedforward}) - Linear({_head.InFeatures} -> {_head.OutFeatures})";

        /// <summary>Each step reads the last <see cref="Context"/> characters again (there is no state to carry) and samples from the last position.</summary>
        public override long[] Generate(long[] prompt, int length, double temperature, Generator generator)
        {
            ArgumentNullException.ThrowIfNull(prompt);
            Eval();
            using var noGrad = Autograd.NoGrad();
            var text = new List<long>(prompt);
            for (int i = 0; i < length; i++)
            {
                int start = Math.Max(0, text.Count - Context);
                var window = text.GetRange(start, text.Count - start).ToArray();
                var logits = Forward(Tensor.FromArray(window, 1, window.Length));
                text.Add(SampleNext(logits.Narrow(1, window.Length - 1, 1), temperature, generator));
            }
            return [.. text.Skip(prompt.Length)];
        }
    }
}
