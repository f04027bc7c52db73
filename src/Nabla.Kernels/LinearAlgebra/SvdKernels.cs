namespace Nabla.Kernels;

/// <summary>
/// The reduced singular value decomposition A = U·diag(S)·Vh of a batch of row-major m×n matrices by one-sided
/// (Hestenes) Jacobi rotations in float64: the columns of A (of Aᵀ when m &lt; n) are rotated pairwise until all are
/// orthogonal; their norms are the singular values and the accumulated rotations the right singular vectors. Jacobi is
/// slower than bidiagonalisation for large matrices but accurate to a few ulps in every singular value, small ones
/// included, which is what gradients through a decomposition need.
/// </summary>
public static class SvdKernels
{
    private const int MaxSweeps = 80;

    /// <summary>
    /// Decomposes each of <paramref name="batch"/> row-major m×n matrices in <paramref name="a"/>: with k = min(m, n),
    /// <paramref name="u"/> receives the m×k left singular vectors, <paramref name="s"/> the k singular values in
    /// descending order and <paramref name="vh"/> the k×n right singular vectors as rows, each row-major and batch after
    /// batch. Where a singular value is zero its left (or right) vector completes an orthonormal basis, so U and Vh
    /// always have orthonormal columns (rows).
    /// </summary>
    public static void Svd(ReadOnlySpan<double> a, int batch, int m, int n, Span<double> u, Span<double> s, Span<double> vh)
    {
        int k = Math.Min(m, n);
        KernelArguments.CheckLengths("Svd", [("a", a.Length, batch * m * n), ("u", u.Length, batch * m * k), ("s", s.Length, batch * k), ("vh", vh.Length, batch * k * n)]);
        if (k == 0) return;
        for (int b = 0; b < batch; b++)
        {
            var matrix = a.Slice(b * m * n, m * n);
            var ub = u.Slice(b * m * k, m * k);
            var sb = s.Slice(b * k, k);
            var vb = vh.Slice(b * k * n, k * n);
            if (m >= n)
            {
                Tall(matrix, m, n, transposed: false, ub, sb, vb);
            }
            else
            {
                // Aᵀ (n×m) = U'·S·V'ᵀ gives A = V'·S·U'ᵀ: U = V' and Vh = U'ᵀ.
                var left = new double[n * m];
                var right = new double[m * m];
                Tall(matrix, n, m, transposed: true, left, sb, right);
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < m; j++) ub[(i * m) + j] = right[(j * m) + i];
                }
                for (int j = 0; j < m; j++)
                {
                    for (int c = 0; c < n; c++) vb[(j * n) + c] = left[(c * m) + j];
                }
            }
        }
    }

    /// <summary>Float32 matrices decomposed in float64 and rounded once.</summary>
    public static void Svd(ReadOnlySpan<float> a, int batch, int m, int n, Span<float> u, Span<float> s, Span<float> vh)
    {
        int k = Math.Min(m, n);
        KernelArguments.CheckLengths("Svd", [("a", a.Length, batch * m * n), ("u", u.Length, batch * m * k), ("s", s.Length, batch * k), ("vh", vh.Length, batch * k * n)]);
        var wide = new double[a.Length];
        for (int i = 0; i < a.Length; i++) wide[i] = a[i];
        var ud = new double[u.Length];
        var sd = new double[s.Length];
        var vd = new double[vh.Length];
        Svd(wide, batch, m, n, ud, sd, vd);
        for (int i = 0; i < ud.Length; i++) u[i] = (float)ud[i];
        for (int i = 0; i < sd.Length; i++) s[i] = (float)sd[i];
        for (int i = 0; i < vd.Length; i++) vh[i] = (float)vd[i];
    }

    /// <summary>
    /// The SVD of an r×c matrix with r ≥ c, read from <paramref name="a"/> as A (row-major r×c) or, when
    /// <paramref name="transposed"/>, as the transpose of a row-major c×r matrix: U (r×c, row-major), S (c) and
    /// Vh (c×c, row-major).
    /// </summary>
    private static void Tall(ReadOnlySpan<double> a, int r, int c, bool transposed, Span<double> u, Span<double> s, Span<double> vh)
    {
        // w holds the columns of A as rows (w[j·r + i] = A[i, j]) so that every rotation runs over contiguous memory;
        // v holds the columns of V the same way.
        var w = new double[c * r];
        var v = new double[c * c];
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < c; j++) w[(j * r) + i] = transposed ? a[(j * r) + i] : a[(i * c) + j];
        }
        for (int j = 0; j < c; j++) v[(j * c) + j] = 1;

        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < c - 1; p++)
            {
                for (int q = p + 1; q < c; q++)
                {
                    var wp = w.AsSpan(p * r, r);
                    var wq = w.AsSpan(q * r, r);
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < r; i++)
                    {
                        alpha += wp[i] * wp[i];
                        beta += wq[i] * wq[i];
                        gamma += wp[i] * wq[i];
                    }
                    if (gamma == 0 || Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.CopySign(1, zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + (zeta * zeta)));
                    double cos = 1 / Math.Sqrt(1 + (t * t)), sin = cos * t;
                    Rotate(wp, wq, cos, sin);
                    Rotate(v.AsSpan(p * c, c), v.AsSpan(q * c, c), cos, sin);
                }
            }
            if (!rotated) break;
        }

        var norms = new double[c];
        var order = new int[c];
        for (int j = 0; j < c; j++)
        {
            double sum = 0;
            foreach (double x in w.AsSpan(j * r, r)) sum += x * x;
            norms[j] = Math.Sqrt(sum);
            order[j] = j;
        }
        Array.Sort(order, (x, y) => norms[y] != norms[x] ? norms[y].CompareTo(norms[x]) : x.CompareTo(y));
        double tiny = (norms.Length == 0 ? 0 : norms[order[0]]) * r * 1e-15;

        var columns = new double[c][];
        for (int j = 0; j < c; j++)
        {
            int from = order[j];
            s[j] = norms[from];
            for (int i = 0; i < c; i++) vh[(j * c) + i] = v[(from * c) + i];
            var column = new double[r];
            if (norms[from] > tiny && norms[from] > 0)
            {
                for (int i = 0; i < r; i++) column[i] = w[(from * r) + i] / norms[from];
            }
            else
            {
                Complete(column, columns, j);
            }
            Orthogonalize(column, columns, j);
            columns[j] = column;
            for (int i = 0; i < r; i++) u[(i * c) + j] = column[i];
        }
    }

    /// <summary>
    /// Completes the orthonormal columns of each of <paramref name="batch"/> row-major rows×cols matrices in
    /// <paramref name="q"/> to an orthonormal basis: <paramref name="complement"/> receives rows×(rows − cols) further
    /// orthonormal columns per matrix, row-major.
    /// </summary>
    public static void Complement(ReadOnlySpan<double> q, int batch, int rows, int cols, Span<double> complement)
    {
        int extra = rows - cols;
        KernelArguments.CheckLengths("Complement", [("q", q.Length, batch * rows * cols), ("complement", complement.Length, batch * rows * extra)]);
        for (int b = 0; b < batch; b++)
        {
            var columns = new double[rows][];
            for (int j = 0; j < cols; j++)
            {
                columns[j] = new double[rows];
                for (int i = 0; i < rows; i++) columns[j][i] = q[(b * rows * cols) + (i * cols) + j];
            }
            for (int j = cols; j < rows; j++)
            {
                var column = new double[rows];
                Complete(column, columns, j);
                Orthogonalize(column, columns, j);
                columns[j] = column;
                for (int i = 0; i < rows; i++) complement[(b * rows * extra) + (i * extra) + (j - cols)] = column[i];
            }
        }
    }

    private static void Rotate(Span<double> x, Span<double> y, double cos, double sin)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i], yi = y[i];
            x[i] = (cos * xi) - (sin * yi);
            y[i] = (sin * xi) + (cos * yi);
        }
    }

    /// <summary>Fills <paramref name="column"/> with the unit vector orthogonal to the first <paramref name="count"/> columns that the standard basis vector with the largest residual gives.</summary>
    private static void Complete(double[] column, double[][] columns, int count)
    {
        double best = -1;
        var candidate = new double[column.Length];
        for (int e = 0; e < column.Length; e++)
        {
            Array.Clear(candidate);
            candidate[e] = 1;
            Orthogonalize(candidate, columns, count);
            double norm = Norm(candidate);
            if (norm > best)
            {
                best = norm;
                candidate.CopyTo(column, 0);
            }
        }
    }

    /// <summary>Removes from <paramref name="column"/> its components along the first <paramref name="count"/> columns (twice, for accuracy) and normalises it.</summary>
    private static void Orthogonalize(double[] column, double[][] columns, int count)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int j = 0; j < count; j++)
            {
                double dot = 0;
                for (int i = 0; i < column.Length; i++) dot += column[i] * columns[j][i];
                for (int i = 0; i < column.Length; i++) column[i] -= dot * columns[j][i];
            }
        }
        double norm = Norm(column);
        for (int i = 0; i < column.Length; i++) column[i] /= norm;
    }

    private static double Norm(double[] x)
    {
        double sum = 0;
        foreach (double v in x) sum += v * v;
        return Math.Sqrt(sum);
    }
}
