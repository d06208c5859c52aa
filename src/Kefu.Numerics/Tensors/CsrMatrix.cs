namespace Kefu.Numerics;

/// <summary>
/// A sparse matrix [Rows, Columns] in compressed sparse row form: row r holds the entries
/// RowStarts[r] .. RowStarts[r+1]-1 of Columns/Values. Used for bags of hashed n-gram feature ids.
/// The arrays are the caller's and may be longer than needed (reused buffers); only RowStarts[Rows] entries count.
/// A training loop can keep one instance and <see cref="Reset"/> it per batch, so featurizing allocates nothing.
/// </summary>
public sealed class CsrMatrix
{
    public CsrMatrix(int rows, int columnCount, int[] rowStarts, int[] columns, float[] values) =>
        Reset(rows, columnCount, rowStarts, columns, values);

    /// <summary>Points the matrix at new contents (after checking them); ops recorded on a tape must have run backward first.</summary>
    public void Reset(int rows, int columnCount, int[] rowStarts, int[] columns, float[] values)
    {
        if (rows < 0 || rowStarts.Length < rows + 1)
            throw new ArgumentException($"RowStarts needs {rows + 1} entries, has {rowStarts.Length}.", nameof(rowStarts));
        int nnz = rowStarts[rows];
        if (rowStarts[0] != 0 || nnz > columns.Length || nnz > values.Length)
            throw new ArgumentException($"RowStarts must start at 0 and end within Columns ({columns.Length}) and Values ({values.Length}); ends at {nnz}.", nameof(rowStarts));
        for (int r = 0; r < rows; r++)
        {
            if (rowStarts[r + 1] < rowStarts[r])
                throw new ArgumentException($"RowStarts decreases at row {r}.", nameof(rowStarts));
        }
        for (int i = 0; i < nnz; i++)
        {
            if ((uint)columns[i] >= (uint)columnCount)
                throw new ArgumentException($"Column id {columns[i]} at entry {i} is outside [0, {columnCount}).", nameof(columns));
        }
        Rows = rows;
        ColumnCount = columnCount;
        RowStarts = rowStarts;
        Columns = columns;
        Values = values;
    }

    public int Rows { get; private set; }
    public int ColumnCount { get; private set; }
    public int[] RowStarts { get; private set; } = [];
    public int[] Columns { get; private set; } = [];
    public float[] Values { get; private set; } = [];
}
