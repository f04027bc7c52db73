namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>The label of ellipsis dim j (counted over the broadcast ellipsis dims): above every letter.</summary>
    private const int EllipsisLabel = 128;

    /// <summary>
    /// Sums the product of the operands over the indices of an Einstein-summation equation, as <c>torch.einsum</c>.
    /// Each operand gets one letter (a–z, A–Z) per dim, comma-separated; "->" introduces the output's letters. Without
    /// it the output holds the letters that occur exactly once, in alphabetical order (capitals first). A letter
    /// repeated within one operand takes its diagonal; letters missing from the output are summed over; "..." stands
    /// for dims that broadcast across operands (placed first in an implicit output, summed when an explicit output
    /// omits it); dims of size 1 broadcast against their letter's size elsewhere. Whitespace is ignored. The operands
    /// are contracted left to right, each pair by permutes, reshapes and one batched matrix product, so the whole is
    /// differentiable through those ops.
    /// </summary>
    /// <param name="equation">For example "ij,jk->ik" (matrix product), "bii->b" (batched trace), "...ij,...jk".</param>
    /// <param name="operands">One tensor per comma-separated term of the equation.</param>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(operands);
        var plan = EinsumPlan.Parse(equation, operands);
        var terms = new (Tensor T, List<int> Labels)[operands.Length];
        for (int k = 0; k < operands.Length; k++) terms[k] = TakeDiagonals(operands[k], plan.Labels[k]);

        var (current, labels) = terms[0];
        for (int k = 1; k < terms.Length; k++)
        {
            var keep = new HashSet<int>(plan.Output);
            for (int j = k + 1; j < terms.Length; j++) keep.UnionWith(terms[j].Labels);
            (current, labels) = Contract(current, labels, terms[k].T, terms[k].Labels, keep);
        }

        (current, labels) = SumOut(current, labels, new HashSet<int>(plan.Output), null);
        var order = plan.Output.Select(l => labels.IndexOf(l)).ToArray();
        return order.Length == 0 ? current : current.Permute(order);
    }

    /// <summary>Replaces every label that occurs twice in one operand by the diagonal of its two dims (a view), until the labels are distinct.</summary>
    private static (Tensor, List<int>) TakeDiagonals(Tensor t, List<int> labels)
    {
        labels = [.. labels];
        while (true)
        {
            int i = -1, j = -1;
            for (int a = 0; a < labels.Count && i < 0; a++)
            {
                int b = labels.IndexOf(labels[a], a + 1);
                if (b > 0) (i, j) = (a, b);
            }
            if (i < 0) return (t, labels);
            int label = labels[i];
            t = t.Diagonal(0, i, j);
            labels.RemoveAt(j);
            labels.RemoveAt(i);
            labels.Add(label);
        }
    }

    /// <summary>Sums over the dims whose labels are neither in <paramref name="keep"/> nor in <paramref name="other"/>.</summary>
    private static (Tensor, List<int>) SumOut(Tensor t, List<int> labels, HashSet<int> keep, List<int>? other)
    {
        var dims = new List<int>();
        for (int i = 0; i < labels.Count; i++)
            if (!keep.Contains(labels[i]) && (other is null || !other.Contains(labels[i]))) dims.Add(i);
        if (dims.Count == 0) return (t, labels);
        var rest = labels.Where((_, i) => !dims.Contains(i)).ToList();
        return (t.Sum([.. dims]), rest);
    }

    /// <summary>
    /// The product of two labelled operands summed over their shared labels that are not kept: a batched matrix product
    /// over (shared kept labels) × (labels of a only) × (summed labels) and (summed labels) × (labels of b only), or a
    /// broadcast product when nothing is summed.
    /// </summary>
    private static (Tensor, List<int>) Contract(Tensor a, List<int> la, Tensor b, List<int> lb, HashSet<int> keep)
    {
        (a, la) = SumOut(a, la, keep, lb);
        (b, lb) = SumOut(b, lb, keep, la);

        // A summed label of size 1 on one side broadcasts: sum the other side over it and drop it from both.
        foreach (int label in la.Where(l => lb.Contains(l) && !keep.Contains(l)).ToArray())
        {
            int i = la.IndexOf(label), j = lb.IndexOf(label);
            int sa = a.ShapeArray[i], sb = b.ShapeArray[j];
            if (sa == sb) continue;
            a = sa == 1 ? a.Squeeze(i) : a.Sum(i);
            b = sb == 1 ? b.Squeeze(j) : b.Sum(j);
            la.RemoveAt(i);
            lb.RemoveAt(j);
        }

        var batch = la.Where(l => lb.Contains(l) && keep.Contains(l)).ToList();
        var summed = la.Where(l => lb.Contains(l) && !keep.Contains(l)).ToList();
        var onlyA = la.Where(l => !lb.Contains(l)).ToList();
        var onlyB = lb.Where(l => !la.Contains(l)).ToList();
        var labels = batch.Concat(onlyA).Concat(onlyB).ToList();
        int[] Sizes(Tensor t, List<int> own, IEnumerable<int> which) => which.Select(l => t.ShapeArray[own.IndexOf(l)]).ToArray();

        if (summed.Count == 0 || !a.DType.IsFloatingPoint() || !b.DType.IsFloatingPoint())
        {
            // Broadcast product over batch, onlyA, onlyB, summed (each side with 1s for the labels it lacks), then the sum.
            var all = labels.Concat(summed).ToList();
            var pa = Aligned(a, la, all);
            var pb = Aligned(b, lb, all);
            var product = pa * pb;
            return summed.Count == 0 ? (product, labels) : (product.Sum(Enumerable.Range(labels.Count, summed.Count).ToArray()), labels);
        }

        var batchA = Sizes(a, la, batch);
        var batchB = Sizes(b, lb, batch);
        var sizesA = Sizes(a, la, onlyA);
        var sizesB = Sizes(b, lb, onlyB);
        int m = sizesA.Aggregate(1, (x, y) => x * y);
        int n = sizesB.Aggregate(1, (x, y) => x * y);
        int k = Sizes(a, la, summed).Aggregate(1, (x, y) => x * y);
        var a3 = a.Permute([.. batch.Concat(onlyA).Concat(summed).Select(l => la.IndexOf(l))]).Reshape([.. batchA, m, k]);
        var b3 = b.Permute([.. batch.Concat(summed).Concat(onlyB).Select(l => lb.IndexOf(l))]).Reshape([.. batchB, k, n]);
        var result = a3.MatMul(b3);
        return (result.Reshape([.. result.ShapeArray.Take(batch.Count), .. sizesA, .. sizesB]), labels);
    }

    /// <summary><paramref name="t"/> (labelled <paramref name="own"/>) permuted into the order of <paramref name="all"/>, with size-1 dims for the labels it lacks.</summary>
    private static Tensor Aligned(Tensor t, List<int> own, List<int> all)
    {
        var present = all.Where(own.Contains).ToList();
        var permuted = present.Count == 0 ? t : t.Permute([.. present.Select(l => own.IndexOf(l))]);
        var shape = all.Select(l => own.Contains(l) ? t.ShapeArray[own.IndexOf(l)] : 1).ToArray();
        return permuted.Reshape(shape);
    }

    /// <summary>A parsed equation: each operand's labels (letters as their char codes, ellipsis dims from <see cref="EllipsisLabel"/>) and the output's.</summary>
    private sealed record EinsumPlan(List<int>[] Labels, List<int> Output)
    {
        public static EinsumPlan Parse(string equation, Tensor[] operands)
        {
            string shapes = string.Join(", ", operands.Select(ShapeUtil.Describe));
            Exception Error(string what) => new ArgumentException($"Einsum: {what} (equation \"{equation}\", operands {(operands.Length == 0 ? "none" : shapes)}).");

            if (operands.Length == 0) throw Error("expected at least one operand");
            string eq = string.Concat(equation.Where(c => !char.IsWhiteSpace(c)));
            int arrow = eq.IndexOf("->", StringComparison.Ordinal);
            string lhs = arrow < 0 ? eq : eq[..arrow];
            string? rhs = arrow < 0 ? null : eq[(arrow + 2)..];
            var terms = lhs.Split(',');
            if (terms.Length != operands.Length)
                throw Error($"the equation has {terms.Length} operand term{(terms.Length == 1 ? "" : "s")} but {operands.Length} operand{(operands.Length == 1 ? " was" : "s were")} given");

            var parsed = new (List<int> Letters, int Ellipsis)[terms.Length];
            for (int k = 0; k < terms.Length; k++) parsed[k] = ParseTerm(terms[k], $"operand {k}", Error);
            int ellipsisDims = 0;
            for (int k = 0; k < terms.Length; k++)
            {
                var (letters, at) = parsed[k];
                int rank = operands[k].Rank;
                if (at < 0 && letters.Count != rank)
                    throw Error($"operand {k} has {rank} dims but its term \"{terms[k]}\" has {letters.Count} subscripts and no ellipsis");
                if (at >= 0 && letters.Count > rank)
                    throw Error($"operand {k} has {rank} dims, fewer than the {letters.Count} subscripts of its term \"{terms[k]}\"");
                if (at >= 0) ellipsisDims = Math.Max(ellipsisDims, rank - letters.Count);
            }

            var labels = new List<int>[terms.Length];
            var sizes = new Dictionary<int, int>();
            for (int k = 0; k < terms.Length; k++)
            {
                var (letters, at) = parsed[k];
                int e = operands[k].Rank - letters.Count;
                var list = new List<int>(letters);
                if (at >= 0) list.InsertRange(at, Enumerable.Range(EllipsisLabel + ellipsisDims - e, e));
                labels[k] = list;
                var own = new Dictionary<int, int>();
                for (int i = 0; i < list.Count; i++)
                {
                    int label = list[i], size = operands[k].ShapeArray[i];
                    if (own.TryGetValue(label, out int before) && before != size)
                        throw Error($"subscript {Name(label)} is repeated in operand {k} with different sizes, {before} and {size}");
                    own[label] = size;
                    if (!sizes.TryGetValue(label, out int seen) || seen == 1) sizes[label] = size;
                    else if (size != 1 && size != seen)
                        throw Error($"subscript {Name(label)} has size {size} in operand {k}, which does not broadcast with size {seen} seen before");
                }
            }

            var ellipsis = Enumerable.Range(EllipsisLabel, ellipsisDims).ToList();
            List<int> output;
            if (rhs is null)
            {
                var counts = labels.SelectMany(l => l).Where(l => l < EllipsisLabel).GroupBy(l => l);
                output = [.. ellipsis, .. counts.Where(g => g.Count() == 1).Select(g => g.Key).Order()];
            }
            else
            {
                var (letters, at) = ParseTerm(rhs, "the output", Error);
                foreach (int l in letters)
                {
                    if (!sizes.ContainsKey(l)) throw Error($"output subscript {Name(l)} does not occur in any operand");
                    if (letters.Count(x => x == l) > 1) throw Error($"output subscript {Name(l)} occurs more than once");
                }
                output = [.. letters];
                if (at >= 0) output.InsertRange(at, ellipsis);
            }
            return new EinsumPlan(labels, output);
        }

        /// <summary>The letters of one term and the position of its ellipsis among them (−1 when it has none).</summary>
        private static (List<int> Letters, int Ellipsis) ParseTerm(string term, string what, Func<string, Exception> error)
        {
            var letters = new List<int>();
            int ellipsis = -1;
            for (int i = 0; i < term.Length; i++)
            {
                char c = term[i];
                if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z'))
                {
                    letters.Add(c);
                }
                else if (c == '.')
                {
                    if (i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.')
                        throw error($"'.' in {what} is not part of an ellipsis \"...\"");
                    if (ellipsis >= 0) throw error($"{what} has more than one ellipsis");
                    ellipsis = letters.Count;
                    i += 2;
                }
                else
                {
                    throw error($"invalid character '{c}' in {what}; subscripts are letters a-z, A-Z and \"...\"");
                }
            }
            return (letters, ellipsis);
        }

        private static string Name(int label) => label >= EllipsisLabel ? "..." : ((char)label).ToString();
    }
}
