namespace Nabla.NN;

/// <summary>
/// A residual connection (He et al., 2016): y = shortcut(x) + block(x), where the shortcut is the identity or an
/// optional projection (e.g. a Linear layer) when the block changes the shape. The gradient reaches x through the
/// shortcut undiminished, which is what lets deep networks train.
/// </summary>
public sealed class Residual : Module
{
    private readonly Module _block;
    private readonly Module? _projection;

    /// <summary>Wraps <paramref name="block"/> with a skip connection.</summary>
    /// <param name="block">The residual branch f.</param>
    /// <param name="projection">Maps x to the block's output shape when they differ; null for the identity.</param>
    public Residual(Module block, Module? projection = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        _block = RegisterModule("block", block);
        if (projection is not null) _projection = RegisterModule("projection", projection);
    }

    /// <summary>The residual branch.</summary>
    public Module Block => _block;

    /// <summary>The shortcut projection, or null for the identity.</summary>
    public Module? Projection => _projection;

    /// <summary>shortcut(x) + block(x).</summary>
    /// <param name="input">The block's input.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var branch = _block.Call(input);
        var shortcut = _projection is null ? input : _projection.Call(input);
        if (!ShapeUtil.SameShape(branch.ShapeSpan, shortcut.ShapeSpan))
        {
            throw new InvalidOperationException(
                $"Residual: the block maps {ShapeUtil.Describe(input)} to {ShapeUtil.Describe(branch)} but the shortcut gives {ShapeUtil.Describe(shortcut)}; " +
                (_projection is null ? "pass a projection module that maps the input to the block's output shape." : "the projection must produce the block's output shape."));
        }
        return shortcut + branch;
    }
}
