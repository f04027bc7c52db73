using System.Globalization;
using System.Text;
using Nabla.Kernels;

namespace Nabla;

/// <summary>
/// An n-dimensional array that remembers how it was computed. A tensor is a view
/// (shape, strides, offset) over a shared <see cref="Storage"/>; ops on tensors that
/// require gradients record a node of the computational graph, and
/// <see cref="Backward(Tensor?, bool, bool)"/> walks that graph from output to inputs by the chain rule.
/// </summary>
public sealed partial class Tensor
{
    internal readonly Storage Storage;
    internal readonly int[] ShapeArray;
    internal readonly int[] StridesArray;
    internal readonly int Offset;
    internal Node? Node;
    private bool _requiresGrad;
    private List<Func<Tensor, Tensor?>>? _hooks;
    private bool _retainsGrad;
    private readonly int _numel;
    private readonly bool _isContiguous;

    /// <summary>A view; <paramref name="shape"/> and <paramref name="strides"/> become the tensor's own and are never changed.</summary>
    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        ShapeArray = shape;
        StridesArray = strides;
        Offset = offset;
        int numel = 1;
        foreach (int d in shape) numel = checked(numel * d);
        _numel = numel;
        _isContiguous = Strided.IsContiguous(shape, strides);
    }

    internal Tensor(Storage storage, int[] shape) : this(storage, shape, Strided.ContiguousStrides(shape), 0) { }

    /// <summary>Another handle on the same view, outside the graph.</summary>
    private Tensor(Tensor view)
    {
        Storage = view.Storage;
        ShapeArray = view.ShapeArray;
        StridesArray = view.StridesArray;
        Offset = view.Offset;
        _numel = view._numel;
        _isContiguous = view._isContiguous;
    }

    /// <summary>A new, uninitialised contiguous tensor.</summary>
    internal static Tensor Empty(int[] shape, DType dtype) =>
        new(Storage.Allocate(dtype, ShapeUtil.Numel(shape), zeroed: false), shape);

    internal static Tensor ZerosInternal(int[] shape, DType dtype) =>
        new(Storage.Allocate(dtype, ShapeUtil.Numel(shape), zeroed: true), shape);

    /// <summary>The size of every dimension.</summary>
    public IReadOnlyList<int> Shape => ShapeArray;

    internal ReadOnlySpan<int> ShapeSpan => ShapeArray;

    internal ReadOnlySpan<int> StridesSpan => StridesArray;

    /// <summary>The element step of every dimension within the storage.</summary>
    public IReadOnlyList<int> Strides => StridesArray;

    /// <summary>The number of dimensions.</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>The element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>The total number of elements.</summary>
    public int Numel => _numel;

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => ShapeArray[ShapeUtil.NormalizeDim("Size", dim, Rank)];

    /// <summary>True when the elements are laid out row-major without gaps.</summary>
    public bool IsContiguous => _isContiguous;

    /// <summary>True when this tensor was made by an op rather than by the user.</summary>
    public bool IsLeaf => Node is null;

    /// <summary>The op that produced this tensor, or null for a leaf.</summary>
    public string? GradFn
    {
        get
        {
            if (ViewBase is not null) RefreshView();
            return Node?.Op.Name;
        }
    }

    /// <summary>
    /// Whether gradients flow to this tensor. Only leaves may be switched; a tensor computed
    /// from inputs that require grad requires grad itself.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf && !value)
                throw new InvalidOperationException("RequiresGrad: cannot be turned off on a non-leaf tensor; use Detach() instead.");
            if (value && (!DType.IsFloatingPoint() || DType.IsStorageOnly()))
                throw new InvalidOperationException($"RequiresGrad: only float32 and float64 tensors can require gradients, this one is {DType.Name()}.");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for fluent construction (PyTorch's <c>requires_grad_</c>).</summary>
    public Tensor SetRequiresGrad(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>The accumulated gradient of a leaf (or of a tensor that called <see cref="RetainGrad"/>) after backward.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The storage version, bumped by every in-place write through any view.</summary>
    public int Version => Storage.Version;

    internal bool RetainsGrad => _retainsGrad;

    internal IReadOnlyList<Func<Tensor, Tensor?>>? Hooks => _hooks;

    /// <summary>Keeps <see cref="Grad"/> for this non-leaf tensor after backward.</summary>
    public void RetainGrad()
    {
        if (!RequiresGrad) throw new InvalidOperationException("RetainGrad: the tensor does not require grad.");
        _retainsGrad = true;
    }

    /// <summary>
    /// Registers a hook called with this tensor's gradient during backward; a non-null return
    /// value replaces the gradient. Returns an action that removes the hook.
    /// </summary>
    public Action RegisterHook(Func<Tensor, Tensor?> hook)
    {
        if (!RequiresGrad) throw new InvalidOperationException("RegisterHook: cannot register a hook on a tensor that does not require grad.");
        (_hooks ??= []).Add(hook);
        return () => _hooks.Remove(hook);
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad, by the
    /// chain rule, and adds it into their <see cref="Grad"/>. A non-scalar output needs
    /// <paramref name="gradient"/>, the gradient of some scalar with respect to this tensor.
    /// </summary>
    /// <param name="gradient">dL/d(this); defaults to 1 for a one-element tensor.</param>
    /// <param name="retainGraph">Keep the graph so that backward can run through it again.</param>
    /// <param name="createGraph">Record the backward computation itself, for higher-order gradients.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Engine.Backward(this, gradient, retainGraph, createGraph);

    /// <summary>A tensor sharing this one's data but cut from the graph (never requires grad).</summary>
    public Tensor Detach() => new(this);

    /// <summary>The single value of a one-element tensor, as a double (bool gives 0 or 1).</summary>
    public double Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item: only one-element tensors can be converted to a scalar, got shape {ShapeUtil.Format(ShapeArray)}.");
        return GetAsDouble(Offset);
    }

    /// <summary>The single value of a one-element tensor, as <typeparamref name="T"/> (which must match the dtype).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1) throw new InvalidOperationException($"Item: only one-element tensors can be converted to a scalar, got shape {ShapeUtil.Format(ShapeArray)}.");
        return TypedStorage<T>("Item").Data[Offset];
    }

    /// <summary>The elements in row-major order, copied into a new array of <typeparamref name="T"/> (which must match the dtype).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var storage = TypedStorage<T>("ToArray");
        var result = new T[Numel];
        Strided.Gather<T>(storage.Data.AsSpan(Offset), ShapeArray, StridesArray, result);
        return result;
    }

    /// <summary>The elements in row-major order converted to double, whatever the dtype (bool gives 0 and 1).</summary>
    public double[] ToDoubleArray()
    {
        switch (DType)
        {
            case DType.Float32: return Array.ConvertAll(ToArray<float>(), v => (double)v);
            case DType.Float64: return ToArray<double>();
            case DType.Int64: return Array.ConvertAll(ToArray<long>(), v => (double)v);
        }
        var result = new double[Numel];
        var c = Materialize();
        for (int i = 0; i < result.Length; i++) result[i] = c.GetAsDouble(c.Offset + i);
        return result;
    }

    internal Storage<T> TypedStorage<T>(string op) where T : unmanaged =>
        Storage as Storage<T> ?? throw new InvalidOperationException($"{op}: the tensor is {DType.Name()}, not {DTypeExtensions.Of<T>().Name()}.");

    /// <summary>The element at storage position <paramref name="index"/> as a double (bool gives 0 or 1).</summary>
    internal double GetAsDouble(int index) => Storage switch
    {
        Storage<float> f => f.Data[index],
        Storage<double> d => d.Data[index],
        Storage<long> l => l.Data[index],
        Storage<bool> b => b.Data[index] ? 1 : 0,
        Storage<byte> u => u.Data[index],
        Storage<int> n => n.Data[index],
        Storage<Half> h => (double)h.Data[index],
        Storage<BFloat16> h => (double)h.Data[index],
        _ => throw new InvalidOperationException($"GetAsDouble: unknown storage {Storage.GetType().Name}."),
    };

    /// <summary>Writes <paramref name="value"/> at storage position <paramref name="index"/>, converted as a cast to this dtype converts.</summary>
    internal void SetFromDouble(int index, double value)
    {
        switch (Storage)
        {
            case Storage<float> f: f.Data[index] = (float)value; break;
            case Storage<double> d: d.Data[index] = value; break;
            case Storage<long> l: l.Data[index] = ConvertKernels.TruncateToInt64(value); break;
            case Storage<bool> b: b.Data[index] = value != 0; break;
            case Storage<byte> u: u.Data[index] = unchecked((byte)ConvertKernels.TruncateToInt32(value)); break;
            case Storage<int> n: n.Data[index] = ConvertKernels.TruncateToInt32(value); break;
            case Storage<Half> h: h.Data[index] = (Half)(float)value; break;
            case Storage<BFloat16> h: h.Data[index] = (BFloat16)value; break;
        }
    }

    internal int StorageIndex(ReadOnlySpan<int> index)
    {
        int pos = Offset;
        for (int i = 0; i < index.Length; i++) pos += index[i] * StridesArray[i];
        return pos;
    }

    /// <summary>Prints the tensor the way PyTorch does: values, then dtype and grad information.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("tensor(");
        var values = ToDoubleArray();
        bool summarize = values.Length > 1000;
        string[] text = DType == DType.Bool ? FormatBools(values, out int width) : FormatValues(values, !DType.IsFloatingPoint(), out width);
        AppendDim(sb, text, width, 0, 0, summarize, 7);
        // PyTorch names the dtype unless it is one a literal would give: float32, and int64 or bool when there are values.
        bool implied = DType == DType.Float32 || (Numel > 0 && DType is DType.Int64 or DType.Bool);
        if (!implied) sb.Append(", dtype=torch.").Append(DType.Name());
        if (Node is not null) sb.Append(", grad_fn=<").Append(Node.Op.Name).Append("Backward>");
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        sb.Append(')');
        return sb.ToString();
    }

    /// <summary>
    /// PyTorch's float formatting (torch/_tensor_str.py): integral values print as "3.", and scientific
    /// notation is used when the nonzero finite magnitudes span more than 1000× or leave [1e-4, 1e8].
    /// The column width is set by the nonzero finite values, as in PyTorch.
    /// </summary>
    private static string[] FormatValues(double[] values, bool isInt, out int width)
    {
        if (isInt)
        {
            var ints = Array.ConvertAll(values, v => ((long)v).ToString(CultureInfo.InvariantCulture));
            width = ints.Length == 0 ? 0 : ints.Max(s => s.Length);
            return ints;
        }
        var magnitudes = values.Where(v => double.IsFinite(v) && v != 0).Select(Math.Abs).ToArray();
        bool integral = values.Where(double.IsFinite).All(v => v == Math.Floor(v));
        bool scientific = false;
        if (magnitudes.Length > 0)
        {
            double max = magnitudes.Max(), min = magnitudes.Min();
            scientific = max / min > 1000 || max > 1e8 || (!integral && min < 1e-4);
        }
        string Format(double v) =>
            double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" :
            scientific ? v.ToString("0.0000e+00", CultureInfo.InvariantCulture) :
            integral ? v.ToString("0", CultureInfo.InvariantCulture) + "." :
            v.ToString("0.0000", CultureInfo.InvariantCulture);
        width = Math.Max(1, values.Where(v => double.IsFinite(v) && v != 0).Select(v => Format(v).Length).DefaultIfEmpty(0).Max());
        return Array.ConvertAll(values, Format);
    }

    private static string[] FormatBools(double[] values, out int width)
    {
        var text = Array.ConvertAll(values, v => v != 0 ? "True" : "False");
        width = text.Length == 0 ? 0 : text.Max(t => t.Length);
        return text;
    }

    private void AppendDim(StringBuilder sb, string[] text, int width, int dim, int flat, bool summarize, int indent)
    {
        if (Rank == 0) { sb.Append(text[0]); return; }
        int n = ShapeArray[dim];
        int inner = 1;
        for (int i = dim + 1; i < Rank; i++) inner *= ShapeArray[i];
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 6 && i == 3)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + dim + 1));
                i = n - 3;
            }
            if (dim == Rank - 1) sb.Append(text[flat + i].PadLeft(width));
            else AppendDim(sb, text, width, dim + 1, flat + i * inner, summarize, indent);
            if (i < n - 1)
                sb.Append(dim == Rank - 1 ? ", " : "," + new string('\n', Rank - dim - 1) + new string(' ', indent + dim + 1));
        }
        sb.Append(']');
    }
}
