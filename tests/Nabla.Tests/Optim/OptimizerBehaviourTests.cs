using Nabla.Optim;

namespace Nabla.Tests.Optim;

public class OptimizerBehaviourTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    [InlineData("rmsprop")]
    public void UpdatesSplitBetweenThreadsAreBitForBitThoseOfOneThread(string name)
    {
        float[] Train(int threads)
        {
            int saved = Nabla.Kernels.Parallelism.NumThreads;
            Nabla.Kernels.Parallelism.NumThreads = threads;
            try
            {
                // 100,003 elements: more than one thread's share, and a length that leaves a tail after the vectors.
                var p = Tensor.Randn([100_003], generator: new Generator(1)).SetRequiresGrad();
                Optimizer optimizer = name switch
                {
                    "adam" => new Adam([p], lr: 0.01, weightDecay: 0.1, amsgrad: true),
                    "sgd" => new SGD([p], lr: 0.1, momentum: 0.9, nesterov: true),
                    _ => new RMSprop([p], lr: 0.01, momentum: 0.5, centered: true),
                };
                var gen = new Generator(2);
                for (int step = 0; step < 3; step++)
                {
                    p.Grad = Tensor.Randn([100_003], generator: gen);
                    optimizer.Step();
                }
                return p.ToArray<float>();
            }
            finally
            {
                Nabla.Kernels.Parallelism.NumThreads = saved;
            }
        }

        Assert.Equal(Train(1), Train(2));
    }

    private static Optimizer Make(string name, IEnumerable<Tensor> parameters) => name switch
    {
        "adam" => new Adam(parameters, lr: 0.01, weightDecay: 0.1, amsgrad: true),
        "adamw" => new AdamW(parameters, lr: 0.01, weightDecay: 0.1),
        "sgd" => new SGD(parameters, lr: 0.1, momentum: 0.9, nesterov: true),
        "rmsprop" => new RMSprop(parameters, lr: 0.01, momentum: 0.5, centered: true),
        "adagrad" => new Adagrad(parameters, lr: 0.1, lrDecay: 0.01, weightDecay: 0.1),
        "adadelta" => new Adadelta(parameters, weightDecay: 0.1),
        "adamax" => new Adamax(parameters, weightDecay: 0.1),
        "nadam" => new NAdam(parameters, weightDecay: 0.1),
        _ => new RAdam(parameters, weightDecay: 0.1),
    };

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    [InlineData("adadelta")]
    [InlineData("adamax")]
    [InlineData("nadam")]
    [InlineData("radam")]
    public void ManySmallParametersUpdatedTogetherAreBitForBitEachUpdatedAlone(string name)
    {
        // Seven float32 tensors, none a thread's share by itself but 66,532 elements together, one of them a transposed
        // view, with a float64 tensor between them: the step splits their elements between threads across tensor ends.
        int[][] shapes = [[9_999], [100, 101], [1], [31_000], [17], [200, 77], [3, 5]];
        Tensor[] Parameters()
        {
            var gen = new Generator(1);
            var list = new List<Tensor>();
            for (int i = 0; i < shapes.Length; i++)
            {
                var t = Tensor.Randn(shapes[i], generator: gen);
                if (i == 5) t = Tensor.Randn([77, 200], generator: gen).T;
                list.Add(t.SetRequiresGrad());
                if (i == 2) list.Add(Tensor.Randn([5_000], dtype: DType.Float64, generator: gen).SetRequiresGrad());
            }
            return [.. list];
        }

        Array[] Train(int threads, bool together)
        {
            int saved = Nabla.Kernels.Parallelism.NumThreads;
            Nabla.Kernels.Parallelism.NumThreads = threads;
            try
            {
                var ps = Parameters();
                var optimizers = together ? [Make(name, ps)] : ps.Select(p => Make(name, [p])).ToArray();
                var gen = new Generator(2);
                for (int step = 0; step < 3; step++)
                {
                    foreach (var p in ps) p.Grad = Tensor.Randn(p.ShapeArray, dtype: p.DType, generator: gen);
                    foreach (var o in optimizers) o.Step();
                }
                return [.. ps.Select(p => p.DType == DType.Float64 ? (Array)p.ToArray<double>() : p.ToArray<float>())];
            }
            finally
            {
                Nabla.Kernels.Parallelism.NumThreads = saved;
            }
        }

        var alone = Train(1, together: false);
        Assert.Equal(alone, Train(1, together: true));
        Assert.Equal(alone, Train(2, together: true));
    }

    [Fact]
    public void AStepStoppedByABadGradientHasUpdatedTheParametersBeforeIt()
    {
        var a = Tensor.Ones(2).SetRequiresGrad();
        var b = Tensor.Ones(2).SetRequiresGrad();
        var c = Tensor.Ones(2).SetRequiresGrad();
        var opt = new SGD([a, b, c], lr: 0.5);
        a.Grad = Tensor.Ones(2);
        b.Grad = Tensor.Ones(3);
        c.Grad = Tensor.Ones(2);
        var error = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.Contains("SGD", error.Message, StringComparison.Ordinal);
        Assert.Equal([0.5f, 0.5f], a.ToArray<float>());
        Assert.Equal([1f, 1f], c.ToArray<float>());

        // Nothing of the failed step is left queued: the next step applies each update once.
        b.Grad = Tensor.Ones(2);
        opt.Step();
        Assert.Equal([0f, 0f], a.ToArray<float>());
        Assert.Equal([0.5f, 0.5f], b.ToArray<float>());
        Assert.Equal([0.5f, 0.5f], c.ToArray<float>());
    }

    [Fact]
    public void GroupsInheritDefaultsAndOverrideLearningRateAndWeightDecay()
    {
        var a = Tensor.Zeros(2).SetRequiresGrad();
        var b = Tensor.Zeros(2).SetRequiresGrad();
        var opt = new SGD([new ParamGroup([a]), new ParamGroup([b], lr: 0.5, weightDecay: 0.1)], lr: 0.1, momentum: 0.9);
        var first = (SGDOptions)opt.ParamGroups[0].Options;
        var second = (SGDOptions)opt.ParamGroups[1].Options;
        Assert.Equal((0.1, 0.0, 0.9), (first.LearningRate, first.WeightDecay, first.Momentum));
        Assert.Equal((0.5, 0.1, 0.9), (second.LearningRate, second.WeightDecay, second.Momentum));

        opt.LearningRate = 0.01;
        Assert.All(opt.ParamGroups, g => Assert.Equal(0.01, g.LearningRate));
        Assert.Equal(0.9, ((SGDOptions)opt.ParamGroups[1].Options).Momentum);
    }

    [Fact]
    public void AddedGroupsAreUpdated()
    {
        var a = Tensor.Ones(2).SetRequiresGrad();
        var opt = new SGD([a], lr: 0.1);
        var b = Tensor.Ones(3).SetRequiresGrad();
        opt.AddParamGroup(new ParamGroup([b], lr: 1.0));
        a.Grad = Tensor.Ones(2);
        b.Grad = Tensor.Ones(3);
        opt.Step();
        Assert.Equal(new[] { 0.9f, 0.9f }, a.ToArray<float>());
        Assert.Equal(new[] { 0f, 0f, 0f }, b.ToArray<float>());
    }

    [Fact]
    public void ZeroGradClearsOrZeroesGradients()
    {
        var p = Tensor.Ones(2).SetRequiresGrad();
        var opt = new SGD([p], lr: 0.1);
        (p * p).Sum().Backward();
        opt.ZeroGrad(setToNone: false);
        Assert.Equal(new[] { 0f, 0f }, p.Grad!.ToArray<float>());
        opt.ZeroGrad();
        Assert.Null(p.Grad);
    }

    [Fact]
    public void StepUpdatesInPlaceWithoutRecordingAGraph()
    {
        var p = Tensor.FromArray([1.0, 2.0], 2).SetRequiresGrad();
        var opt = new Adam([p], lr: 0.1);
        (p * p).Sum().Backward();
        int version = p.Version;
        opt.Step();
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
        Assert.True(p.Version > version);
        // Adam's first step moves every coordinate by lr · sign(g) (up to eps).
        OptimGolden.AssertClose([0.9, 1.9], p.ToDoubleArray(), 1e-7, 0, "Adam first step");
    }

    [Fact]
    public void ParametersWithoutGradientAreSkippedAndGetNoState()
    {
        var a = Tensor.Ones(3).SetRequiresGrad();
        var b = Tensor.Ones(3).SetRequiresGrad();
        var opt = new RMSprop([a, b], momentum: 0.9, centered: true);
        a.Grad = Tensor.Full([3], 0.5);
        opt.Step();
        Assert.Equal(new[] { 1f, 1f, 1f }, b.ToArray<float>());
        Assert.Equal([0], opt.StateDict().State.Keys);
        Assert.Equal(["square_avg", "grad_avg", "momentum_buffer"], opt.StateDict().State[0].Buffers.Keys);
    }

    [Fact]
    public void StridedParametersAreUpdatedLikeContiguousOnes()
    {
        var contiguous = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).SetRequiresGrad();
        var strided = Tensor.FromArray([1.0, 4.0, 2.0, 5.0, 3.0, 6.0], 3, 2).T.Detach().SetRequiresGrad();
        Assert.False(strided.IsContiguous);
        var grad = Tensor.FromArray([0.5, -1.0, 0.25, 2.0, -0.5, 1.0], 2, 3);
        var optA = new AdamW([contiguous], lr: 0.1);
        var optB = new AdamW([strided], lr: 0.1);
        for (int i = 0; i < 3; i++)
        {
            contiguous.Grad = grad;
            strided.Grad = grad.T.Contiguous().T;
            optA.Step();
            optB.Step();
        }
        Assert.Equal(contiguous.ToArray<double>(), strided.ToArray<double>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(67)]
    public void Float32AndFloat64AgreeForEveryLength(int n)
    {
        // Lengths below, at and past the vector width exercise the padded tail of the fused update.
        var gen = new Generator(7);
        var start = Tensor.Randn([n], DType.Float64, gen);
        var p64 = start.Clone().SetRequiresGrad();
        var p32 = start.To(DType.Float32).SetRequiresGrad();
        var opt64 = new RMSprop([p64], lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01);
        var opt32 = new RMSprop([p32], lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01);
        for (int s = 0; s < 4; s++)
        {
            var g = Tensor.Randn([n], DType.Float64, gen);
            p64.Grad = g;
            p32.Grad = g.To(DType.Float32);
            opt64.Step();
            opt32.Step();
        }
        OptimGolden.AssertClose(p64.ToDoubleArray(), p32.ToDoubleArray(), 1e-4, 1e-5, $"RMSprop float32 vs float64, n = {n}");
    }

    [Fact]
    public void OptimizersMinimiseAQuadratic()
    {
        Func<Tensor[], Optimizer>[] makers =
        [
            p => new SGD(p, lr: 0.1, momentum: 0.9, nesterov: true),
            p => new Adam(p, lr: 0.1),
            p => new AdamW(p, lr: 0.1, weightDecay: 0),
            p => new RMSprop(p, lr: 0.05),
            p => new Adagrad(p, lr: 0.5),
            p => new Adadelta(p, lr: 10),
            p => new Adamax(p, lr: 0.1),
            p => new NAdam(p, lr: 0.1),
            p => new RAdam(p, lr: 0.1),
        ];
        var target = Tensor.FromArray([1.0, -2.0, 3.0], 3);
        foreach (var make in makers)
        {
            var x = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
            var opt = make([x]);
            for (int i = 0; i < 300; i++)
            {
                opt.ZeroGrad();
                (x - target).Square().Sum().Backward();
                opt.Step();
            }
            OptimGolden.AssertClose(target.ToDoubleArray(), x.ToDoubleArray(), 0, 0.05, opt.GetType().Name);
        }
    }

    [Fact]
    public void AdamWWithoutWeightDecayStepsExactlyAsAdam()
    {
        var a = Tensor.FromArray([0.5, -1.5, 2.0, 0.25, -3.0], 5).SetRequiresGrad();
        var b = a.Detach().Copy().SetRequiresGrad();
        var adam = new Adam([a], lr: 0.05, amsgrad: true);
        var adamW = new AdamW([b], lr: 0.05, weightDecay: 0, amsgrad: true);
        Assert.IsType<AdamWOptions>(adamW.ParamGroups[0].Options);
        for (int i = 0; i < 5; i++)
        {
            foreach (var (opt, p) in new (Optimizer, Tensor)[] { (adam, a), (adamW, b) })
            {
                opt.ZeroGrad();
                (p * p * p).Sum().Backward();
                opt.Step();
            }
            Assert.Equal(a.ToDoubleArray(), b.ToDoubleArray());
        }
    }

    [Fact]
    public void AdamWWhoseDecayFactorIsZeroClearsTheWeightsBeforeTheUpdate()
    {
        // lr·λ = 1: PyTorch multiplies the weights by 1 − lr·λ = 0, then takes Adam's step of −lr·sign(g) on the first step.
        var p = Tensor.FromArray([0.5, -1.5, 2.0], 3).SetRequiresGrad();
        var opt = new AdamW([p], lr: 0.5, weightDecay: 2.0);
        (p * p).Sum().Backward();
        opt.Step();
        var expected = new[] { -0.5, 0.5, -0.5 };
        var actual = p.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
    }
}
