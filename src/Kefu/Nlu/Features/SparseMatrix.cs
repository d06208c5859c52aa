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
}
