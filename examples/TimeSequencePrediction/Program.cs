using System.Globalization;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.TimeSequencePredictionExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' time-sequence prediction: 100 sine waves of period 2π·20, each shifted by a random whole number
    /// of steps in [−80, 80) and 1000 steps long (generate_sine_wave.py), teach two stacked LSTM cells of 51 units and a
    /// linear read-out, in float64, to predict each next value; L-BFGS (lr 0.8) takes the whole training set per step
    /// through a closure. After every step the first 3 waves, held out, are continued 1000 steps into the future from
    /// the model's own predictions, and the error on the known part is printed.
    /// </summary>
    public static class TimeSequencePredictionExample
    {
        private const int Hidden = 51;

        /// <summary>Reads <c>--steps N</c> (default 15) and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            int steps = 15;
            bool valid = args.Length == 0 || (args.Length == 2 && args[0] == "--steps" && int.TryParse(args[1], CultureInfo.InvariantCulture, out steps) && steps > 0);
            if (!valid)
            {
                Console.Error.WriteLine("usage: TimeSequencePrediction [--steps N]   (N > 0, default 15)");
                return 2;
            }
            return Run(Console.Out, steps);
        }

        /// <summary>Trains for <paramref name="steps"/> L-BFGS steps; returns 0 when the test loss fell below 1e-3.</summary>
        public static int Run(TextWriter output, int steps = 15, int waves = 100, int length = 1000, int future = 1000, ulong seed = 0)
        {
            var data = SineWaves(waves, length, new Generator(2));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data: {waves} sine waves sin((t + shift) / 20) of {length} steps, shifts in [−80, 80); 3 held out for testing"));
            var input = data[3.., ..^1];
            var target = data[3.., 1..];
            var testInput = data[..3, ..^1];
            var testTarget = data[..3, 1..];

            var model = new Sequence(new Generator(seed));
            var criterion = new MSELoss();
            var optimizer = new LBFGS(model.Parameters(), lr: 0.8);
            double testLoss = double.NaN;
            for (int step = 0; step < steps; step++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STEP: {step}"));
                optimizer.Step(() =>
                {
                    optimizer.ZeroGrad();
                    var loss = criterion.Forward(model.Forward(input), target);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss: {loss.Item():R}"));
                    loss.Backward();
                    return loss;
                });
                using (Autograd.NoGrad())
                {
                    var prediction = model.Forward(testInput, future);
                    testLoss = criterion.Forward(prediction[.., ..^future], testTarget).Item();
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test loss: {testLoss:R}"));
            }
            return testLoss < 1e-3 ? 0 : 1;
        }

        /// <summary>sin((t + shift) / 20) for t = 0 … length − 1, one row per wave, each with its own shift in [−80, 80).</summary>
        private static Tensor SineWaves(int waves, int length, Generator generator)
        {
            var shifts = Tensor.RandInt(-80, 80, [waves, 1], generator);
            return ((Tensor.Arange(length).Unsqueeze(0) + shifts).To(DType.Float64) / 20.0).Sin();
        }

        /// <summary>Two stacked LSTM cells and a linear read-out, stepping through a batch of sequences one value at a time.</summary>
        private sealed class Sequence : Module
        {
            private readonly LSTMCell _lstm1, _lstm2;
            private readonly Linear _linear;

            public Sequence(Generator generator)
            {
                _lstm1 = RegisterModule("lstm1", new LSTMCell(1, Hidden, dtype: DType.Float64, generator: generator));
                _lstm2 = RegisterModule("lstm2", new LSTMCell(Hidden, Hidden, dtype: DType.Float64, generator: generator));
                _linear = RegisterModule("linear", new Linear(Hidden, 1, dtype: DType.Float64, generator: generator));
            }

            public override Tensor Forward(Tensor input) => Forward(input, 0);

            /// <summary>The predictions for every step of <paramref name="input"/> (N, T), then <paramref name="future"/> more steps fed their own output.</summary>
            public Tensor Forward(Tensor input, int future)
            {
                int n = input.Shape[0];
                (Tensor H, Tensor C) state1 = (Tensor.Zeros([n, Hidden], DType.Float64), Tensor.Zeros([n, Hidden], DType.Float64));
                var state2 = state1;
                var outputs = new List<Tensor>();
                Tensor output = Tensor.Zeros([n, 1], DType.Float64);
                foreach (var step in input.Split(1, dim: 1).Concat(Enumerable.Repeat<Tensor?>(null, future)))
                {
                    state1 = _lstm1.Forward(step ?? output, state1);
                    state2 = _lstm2.Forward(state1.H, state2);
                    output = _linear.Forward(state2.H);
                    outputs.Add(output);
                }
                return Tensor.Cat(outputs, 1);
            }
        }
    }
}
