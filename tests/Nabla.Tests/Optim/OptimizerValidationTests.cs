using Nabla.Optim;

namespace Nabla.Tests.Optim;

/// <summary>Constructor checks and messages, modelled on torch.optim's ValueErrors.</summary>
public class OptimizerValidationTests
{
    private static Tensor[] P() => [Tensor.Zeros(3).SetRequiresGrad()];

    public static TheoryData<string, string, string, string> BadHyperParameters => new()
    {
        // case, expected optimizer name, argument, fragment of the message
        { "sgd_lr", "SGD", "lr", "Invalid learning rate: -0.1" },
        { "sgd_momentum", "SGD", "momentum", "Invalid momentum value: -0.5" },
        { "sgd_weight_decay", "SGD", "weightDecay", "Invalid weight_decay value: -0.01" },
        { "sgd_nesterov_no_momentum", "SGD", "nesterov", "Nesterov momentum requires a momentum and zero dampening, got momentum 0 and dampening 0" },
        { "sgd_nesterov_dampening", "SGD", "nesterov", "Nesterov momentum requires a momentum and zero dampening, got momentum 0.9 and dampening 0.1" },
        { "adam_beta1", "Adam", "beta1", "Invalid beta parameter at index 0: 1" },
        { "adam_beta2", "Adam", "beta2", "Invalid beta parameter at index 1: -0.1" },
        { "adam_eps", "Adam", "eps", "Invalid epsilon value: 0" },
        { "adam_lr_nan", "Adam", "lr", "Invalid learning rate: NaN" },
        { "adamw_beta2", "AdamW", "beta2", "Invalid beta parameter at index 1: 1.5" },
        { "adamw_weight_decay", "AdamW", "weightDecay", "Invalid weight_decay value: -1" },
        { "rmsprop_alpha", "RMSprop", "alpha", "Invalid alpha value: -0.9" },
        { "rmsprop_momentum", "RMSprop", "momentum", "Invalid momentum value: -1" },
        { "rmsprop_eps", "RMSprop", "eps", "Invalid epsilon value: -1E-08" },
        { "adagrad_lr_decay", "Adagrad", "lrDecay", "Invalid lr_decay value: -0.1" },
        { "adagrad_initial_accumulator", "Adagrad", "initialAccumulatorValue", "Invalid initial_accumulator_value value: -1" },
        { "adadelta_rho", "Adadelta", "rho", "Invalid rho value: 1.5" },
        { "adadelta_eps", "Adadelta", "eps", "Invalid epsilon value: -1E-06" },
        { "adamax_beta1", "Adamax", "beta1", "Invalid beta parameter at index 0: -0.1" },
        { "adamax_lr", "Adamax", "lr", "Invalid learning rate: -1" },
        { "nadam_beta2", "NAdam", "beta2", "Invalid beta parameter at index 1: 1" },
        { "nadam_momentum_decay", "NAdam", "momentumDecay", "Invalid momentum_decay value: -0.004" },
        { "radam_beta1", "RAdam", "beta1", "Invalid beta parameter at index 0: 1" },
        { "radam_weight_decay", "RAdam", "weightDecay", "Invalid weight_decay value: -0.5" },
    };

    [Theory]
    [MemberData(nameof(BadHyperParameters))]
    public void BadHyperParametersAreRejectedByName(string @case, string optimizer, string argument, string fragment)
    {
        Action make = @case switch
        {
            "sgd_lr" => () => new SGD(P(), lr: -0.1),
            "sgd_momentum" => () => new SGD(P(), lr: 0.1, momentum: -0.5),
            "sgd_weight_decay" => () => new SGD(P(), lr: 0.1, weightDecay: -0.01),
            "sgd_nesterov_no_momentum" => () => new SGD(P(), lr: 0.1, nesterov: true),
            "sgd_nesterov_dampening" => () => new SGD(P(), lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true),
            "adam_beta1" => () => new Adam(P(), beta1: 1.0),
            "adam_beta2" => () => new Adam(P(), beta2: -0.1),
            "adam_eps" => () => new Adam(P(), eps: 0),
            "adam_lr_nan" => () => new Adam(P(), lr: double.NaN),
            "adamw_beta2" => () => new AdamW(P(), beta2: 1.5),
            "adamw_weight_decay" => () => new AdamW(P(), weightDecay: -1),
            "rmsprop_alpha" => () => new RMSprop(P(), alpha: -0.9),
            "rmsprop_momentum" => () => new RMSprop(P(), momentum: -1),
            "rmsprop_eps" => () => new RMSprop(P(), eps: -1e-8),
            "adagrad_lr_decay" => () => new Adagrad(P(), lrDecay: -0.1),
            "adagrad_initial_accumulator" => () => new Adagrad(P(), initialAccumulatorValue: -1),
            "adadelta_rho" => () => new Adadelta(P(), rho: 1.5),
            "adadelta_eps" => () => new Adadelta(P(), eps: -1e-6),
            "adamax_beta1" => () => new Adamax(P(), beta1: -0.1),
            "adamax_lr" => () => new Adamax(P(), lr: -1),
            "nadam_beta2" => () => new NAdam(P(), beta2: 1),
            "nadam_momentum_decay" => () => new NAdam(P(), momentumDecay: -0.004),
            "radam_beta1" => () => new RAdam(P(), beta1: 1),
            "radam_weight_decay" => () => new RAdam(P(), weightDecay: -0.5),
            _ => throw new ArgumentException(@case),
        };
        var e = Assert.Throws<ArgumentException>(make);
        Assert.StartsWith($"{optimizer}: ", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.Equal(argument, e.ParamName);
    }

    [Fact]
    public void ParameterListsAreChecked()
    {
        Assert.Contains("SGD: optimizer got an empty parameter list", Assert.Throws<ArgumentException>(() => new SGD(Array.Empty<Tensor>(), lr: 0.1)).Message);

        var leaf = Tensor.Ones(2).SetRequiresGrad();
        Assert.Contains("can't optimize a non-leaf tensor", Assert.Throws<ArgumentException>(() => new Adam([leaf * 2])).Message);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => new Adam([Tensor.Arange(3)])).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => new Adam([leaf, leaf])).Message);

        var opt = new Adam([leaf]);
        Assert.Contains("more than one parameter group", Assert.Throws<ArgumentException>(() => opt.AddParamGroup(new ParamGroup([leaf]))).Message);
        var group = new ParamGroup([Tensor.Zeros(1).SetRequiresGrad()]);
        opt.AddParamGroup(group);
        Assert.Contains("already belongs to an optimizer", Assert.Throws<ArgumentException>(() => new Adam([group])).Message);
    }

    [Fact]
    public void GroupOptionsMustBeTheOptimizersKindAndStayValid()
    {
        var e = Assert.Throws<ArgumentException>(() => new Adam([new ParamGroup(P(), new SGDOptions { LearningRate = 0.1 })]));
        Assert.Contains("Adam: a parameter group's options must be AdamOptions, got SGDOptions", e.Message);

        var opt = new SGD(P(), lr: 0.1, momentum: 0.9, nesterov: true);
        var group = opt.ParamGroups[0];
        Assert.Throws<ArgumentException>(() => group.LearningRate = -1);
        Assert.Throws<ArgumentException>(() => group.Options = new AdamOptions());
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => group.Options = ((SGDOptions)group.Options) with { Momentum = 0 }).Message);
        Assert.Equal(0.1, group.LearningRate);
        Assert.Throws<InvalidOperationException>(() => new ParamGroup(P()).Options);
    }

    [Fact]
    public void GradientsOfTheWrongShapeOrDtypeAreReported()
    {
        var p = Tensor.Zeros(2, 3).SetRequiresGrad();
        var opt = new Adam([Tensor.Zeros(1).SetRequiresGrad(), p]);
        p.Grad = Tensor.Zeros(3, 2);
        var e = Assert.Throws<InvalidOperationException>(opt.Step);
        Assert.Equal("Adam.Step: parameter 1 is [2, 3] float32 but its gradient is [3, 2] float32.", e.Message);
        p.Grad = Tensor.Zeros([2, 3], DType.Float64);
        Assert.Contains("its gradient is [2, 3] float64", Assert.Throws<InvalidOperationException>(opt.Step).Message);
    }
}
