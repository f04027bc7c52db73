using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// The hot 2×2/stride-2 max pool on float, forward and backward, on AVX-512 vectors: the pooling of most small
/// convolutional networks, which the scalar <see cref="MaxPoolForward{T}"/> would run a window at a time.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>
    /// Whether the vector path applies: float on AVX-512, and the 2×2, stride-2, unpadded, undilated pooling whose
    /// windows all lie inside the input.
    /// </summary>
    public static bool Applies<T>(in PoolGeometry g)
        => typeof(T) == typeof(float) && Avx512F.IsSupported && g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
            && g.DilationH == 1 && g.DilationW == 1 && 2 * g.OutHeight <= g.InHeight && 2 * g.OutWidth <= g.InWidth;

    /// <summary>Writes the maximum of every window and its index, as <see cref="MaxPoolForward{T}"/> does.</summary>
    public readonly struct Forward(PoolGeometry g, float* x, float* y, int* argmax) : IPlaneKernel
    {
        public void Run(int start, int end)
        {
            var step = new MaxForward2x2(x, y, argmax);
            Walk(g, ref step, start, end);
        }
    }

    /// <summary>
    /// The gradient of <see cref="Forward"/>. It relies on each argmax naming an element of its own window, as
    /// <see cref="PoolKernels.MaxPool2dForward{T}"/> writes it; inputs outside every window (the last row or column
    /// of an odd size) are zeroed first.
    /// </summary>
    public readonly struct Backward(PoolGeometry g, float* gy, int* argmax, float* gx) : IPlaneKernel
    {
        public void Run(int start, int end)
        {
            if (2 * g.OutHeight != g.InHeight || 2 * g.OutWidth != g.InWidth)
            {
                int planeSize = g.InHeight * g.InWidth;
                new Span<float>(gx + ((nint)start * planeSize), (end - start) * planeSize).Clear();
            }

            var step = new MaxBackward2x2(gy, argmax, gx);
            Walk(g, ref step, start, end);
        }
    }

    /// <summary>
    /// Vector layout of the hot 2×2/stride-2 max pool on AVX-512. A step covers up to 16 outputs: their top input rows
    /// are two 16-float vectors A and B (the bottom rows lie one input row further), and a two-source permute splits
    /// them into the even and odd columns. Lane l reads the pair at 2l of A when l &lt; Split, else the pair at
    /// 2(l − Split) of B. Rows of at least 8 outputs take A and B from the same row (Split = 8); shorter rows are
    /// packed two per vector (B is the next output row, Split = OW), so the narrow planes of small feature maps still
    /// fill most lanes. Tails use masked loads and stores.
    /// </summary>
    private readonly struct Pairs2x2
    {
        public readonly Vector512<int> Lane;
        public readonly Vector512<int> EvenIndex, OddIndex;

        /// <summary>Inverse permutes: the top-left/top-right (or bottom) values of every lane, interleaved back into A and B.</summary>
        public readonly Vector512<int> SpreadA, SpreadB;

        /// <summary>Each lane's top-left element relative to the first element of A, within the plane.</summary>
        public readonly Vector512<int> LaneOffset;

        public readonly int Width;
        public readonly bool Narrow;

        public Pairs2x2(int width, int outWidth)
        {
            Width = width;
            Narrow = outWidth < 8;
            int split = Narrow ? outWidth : 8;
            Lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<int> splitVector = Vector512.Create(split);
            Vector512<int> inB = Vector512.GreaterThanOrEqual(Lane, splitVector);
            EvenIndex = Vector512.ConditionalSelect(inB, ((Lane - splitVector) * 2) + Vector512.Create(16), Lane * 2);
            OddIndex = EvenIndex + Vector512<int>.One;
            LaneOffset = Vector512.ConditionalSelect(inB, ((Lane - splitVector) * 2) + Vector512.Create(Narrow ? 2 * width : 16), Lane * 2);

            // Element j of A holds lane j/2's left (j even) or right (j odd) value; B starts at lane Split.
            Vector512<int> half = Vector512.ShiftRightLogical(Lane, 1);
            Vector512<int> right = (Lane & Vector512<int>.One) * 16;
            SpreadA = half + right;
            SpreadB = half + splitVector + right;
        }

        /// <summary>Lanes [0, count) set, as a float mask for masked loads and stores.</summary>
        public Vector512<float> Mask(int count) => Vector512.LessThan(Lane, Vector512.Create(count)).AsSingle();
    }

    /// <summary>One step of a 2×2 walk: A and B are offsets of the two top-row vectors, o the offset of the outputs.</summary>
    private interface IPairStep
    {
        void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask);
    }

    /// <summary>Visits planes [start, end) of a 2×2/stride-2 pooling in the steps <see cref="Pairs2x2"/> describes.</summary>
    private static void Walk<TStep>(in PoolGeometry g, ref TStep step, int start, int end)
        where TStep : struct, IPairStep
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        var p = new Pairs2x2(w, ow);
        Vector512<float> rowMask = p.Mask(2 * ow), none = Vector512<float>.Zero;
        for (int plane = start; plane < end; plane++)
        {
            nint input = (nint)plane * h * w, output = (nint)plane * oh * ow;
            if (p.Narrow)
            {
                for (int i = 0; i < oh; i += 2)
                {
                    bool pair = i + 1 < oh;
                    int top = 2 * i * w;
                    step.Run(p, input + top, rowMask, input + top + (2 * w), pair ? rowMask : none, top, output + (i * ow), p.Mask(pair ? 2 * ow : ow));
                }

                continue;
            }

            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j += 16)
                {
                    int count = Math.Min(16, ow - j), top = (2 * i * w) + (2 * j);
                    step.Run(p, input + top, p.Mask(2 * count), input + top + 16, p.Mask((2 * count) - 16), top, output + (i * ow) + j, p.Mask(count));
                }
            }
        }
    }

    /// <summary>Forward step: the running maximum of the four candidates and its index, kept with masks.</summary>
    private readonly unsafe struct MaxForward2x2(float* x, float* y, int* argmax) : IPairStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask)
        {
            Vector512<float> a0 = Avx512F.MaskLoad(x + a, aMask, Vector512<float>.Zero);
            Vector512<float> b0 = Avx512F.MaskLoad(x + b, bMask, Vector512<float>.Zero);
            Vector512<float> a1 = Avx512F.MaskLoad(x + a + p.Width, aMask, Vector512<float>.Zero);
            Vector512<float> b1 = Avx512F.MaskLoad(x + b + p.Width, bMask, Vector512<float>.Zero);
            Vector512<int> index = Vector512.Create(baseIndex) + p.LaneOffset;

            Vector512<float> best = Avx512F.PermuteVar16x32x2(a0, p.EvenIndex, b0);
            Vector512<int> bestIndex = index;
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a0, p.OddIndex, b0), index + Vector512<int>.One);
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a1, p.EvenIndex, b1), index + Vector512.Create(p.Width));
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a1, p.OddIndex, b1), index + Vector512.Create(p.Width + 1));
            Avx512F.MaskStore(y + o, outMask, best);
            Avx512F.MaskStore(argmax + o, outMask.AsInt32(), bestIndex);
        }

        /// <summary>PyTorch's rule: a later candidate wins when it is greater or NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(ref Vector512<float> best, ref Vector512<int> bestIndex, Vector512<float> v, Vector512<int> index)
        {
            Vector512<float> take = Vector512.GreaterThan(v, best) | ~Vector512.Equals(v, v);
            best = Vector512.ConditionalSelect(take, v, best);
            bestIndex = Vector512.ConditionalSelect(take.AsInt32(), index, bestIndex);
        }
    }

    /// <summary>
    /// Backward step: each output's gradient goes to the candidate its argmax names and zero to the other three, and
    /// the four are interleaved back into the input rows, so every covered input is written exactly once.
    /// </summary>
    private readonly unsafe struct MaxBackward2x2(float* gy, int* argmax, float* gx) : IPairStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask)
        {
            Vector512<float> grad = Avx512F.MaskLoad(gy + o, outMask, Vector512<float>.Zero);
            Vector512<int> offset = Avx512F.MaskLoad(argmax + o, outMask.AsInt32(), Vector512<int>.Zero) - (Vector512.Create(baseIndex) + p.LaneOffset);
            Vector512<float> topLeft = Pick(grad, offset, Vector512<int>.Zero);
            Vector512<float> topRight = Pick(grad, offset, Vector512<int>.One);
            Vector512<float> bottomLeft = Pick(grad, offset, Vector512.Create(p.Width));
            Vector512<float> bottomRight = Pick(grad, offset, Vector512.Create(p.Width + 1));
            Avx512F.MaskStore(gx + a, aMask, Avx512F.PermuteVar16x32x2(topLeft, p.SpreadA, topRight));
            Avx512F.MaskStore(gx + b, bMask, Avx512F.PermuteVar16x32x2(topLeft, p.SpreadB, topRight));
            Avx512F.MaskStore(gx + a + p.Width, aMask, Avx512F.PermuteVar16x32x2(bottomLeft, p.SpreadA, bottomRight));
            Avx512F.MaskStore(gx + b + p.Width, bMask, Avx512F.PermuteVar16x32x2(bottomLeft, p.SpreadB, bottomRight));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Pick(Vector512<float> grad, Vector512<int> offset, Vector512<int> candidate)
            => Vector512.ConditionalSelect(Vector512.Equals(offset, candidate).AsSingle(), grad, Vector512<float>.Zero);
    }
}
