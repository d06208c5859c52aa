namespace Kefu.Nlu.Features;

/// <summary>Compressed sparse rows: row r has columns Columns[RowStart[r]..RowStart[r+1]] with Values alike.</summary>
public sealed record SparseMatrix(int Rows, int ColumnCount, int[] RowStart, int[] Columns, float[] Values)
{
    public ReadOnlySpan<int> RowColumns(int row) => Columns.AsSpan(RowStart[row], RowStart[row + 1] - RowStart[row]);
    public ReadOnlySpan<float> RowValues(int row) => Values.AsSpan(RowStart[row], RowStart[row + 1] - RowStart[row]);

    /// <summary>The rows listed in <paramref name="rows"/>, in that order.</summary>
    public SparseMatrix SelectRows(IReadOnlyList<int> rows)
    {
        var start = new int[rows.Count + 1];
        for (int i = 0; i < rows.Count; i++) start[i + 1] = start[i] + RowColumns(rows[i]).Length;
        var cols = new int[start[^1]];
        var vals = new float[start[^1]];
        for (int i = 0; i < rows.Count; i++)
        {
            RowColumns(rows[i]).CopyTo(cols.AsSpan(start[i]));
            RowValues(rows[i]).CopyTo(vals.AsSpan(start[i]));
        }
        return new SparseMatrix(rows.Count, ColumnCount, start, cols, vals);
    }

    /// <summary>
    /// This matrix [N, F] with <paramref name="dense"/> [N][D] × <paramref name="scale"/> as columns F..F+D-1 of every
    /// row: [N, F + D], still sorted by column within a row.
    /// </summary>
    public SparseMatrix WithDenseColumns(float[][] dense, float scale)
    {
        if (dense.Length != Rows) throw new ArgumentException($"{dense.Length} dense rows for {Rows} sparse ones");
        int d = Rows == 0 ? 0 : dense[0].Length;
        var start = new int[Rows + 1];
        for (int r = 0; r < Rows; r++) start[r + 1] = start[r] + RowColumns(r).Length + d;
        var cols = new int[start[^1]];
        var vals = new float[start[^1]];
        for (int r = 0; r < Rows; r++)
        {
            if (dense[r].Length != d) throw new ArgumentException($"dense row {r} has {dense[r].Length} values, expected {d}");
            int n = RowColumns(r).Length;
            RowColumns(r).CopyTo(cols.AsSpan(start[r]));
            RowValues(r).CopyTo(vals.AsSpan(start[r]));
            for (int j = 0; j < d; j++)
            {
                cols[start[r] + n + j] = ColumnCount + j;
                vals[start[r] + n + j] = dense[r][j] * scale;
            }
        }
        return new SparseMatrix(Rows, ColumnCount + d, start, cols, vals);
    }
}
