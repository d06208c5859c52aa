namespace Kefu.Numerics;

/// <summary>The dimensions of a row-major tensor, rank 1 to 4; the last dimension is contiguous.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    public const int MaxRank = 4;
    private readonly int d0, d1, d2, d3;

    public int Rank { get; }

    public Shape(int d0) : this(1, d0, 1, 1, 1) { }
    public Shape(int d0, int d1) : this(2, d0, d1, 1, 1) { }
    public Shape(int d0, int d1, int d2) : this(3, d0, d1, d2, 1) { }
    public Shape(int d0, int d1, int d2, int d3) : this(4, d0, d1, d2, d3) { }

    private Shape(int rank, int d0, int d1, int d2, int d3)
    {
        if (d0 < 0 || d1 < 0 || d2 < 0 || d3 < 0)
            throw new ArgumentOutOfRangeException(nameof(d0), $"Shape dimensions must be ≥ 0, got ({d0}, {d1}, {d2}, {d3}) for rank {rank}.");
        Rank = rank;
        this.d0 = d0;
        this.d1 = d1;
        this.d2 = d2;
        this.d3 = d3;
    }

    public int this[int axis] => axis switch
    {
        0 when Rank > 0 => d0,
        1 when Rank > 1 => d1,
        2 when Rank > 2 => d2,
        3 when Rank > 3 => d3,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is outside a rank-{Rank} shape."),
    };

    /// <summary>Number of elements.</summary>
    public int Length => d0 * d1 * d2 * d3;

    /// <summary>The contiguous (last) dimension.</summary>
    public int Last => this[Rank - 1];

    /// <summary>Product of every dimension but the last: the row count when viewed as a matrix.</summary>
    public int Rows => Last == 0 ? 0 : Length / Last;

    /// <summary>The same leading dimensions with a different last one.</summary>
    public Shape WithLast(int last) => Rank switch
    {
        1 => new Shape(last),
        2 => new Shape(d0, last),
        3 => new Shape(d0, d1, last),
        _ => new Shape(d0, d1, d2, last),
    };

    public bool Equals(Shape other) =>
        Rank == other.Rank && d0 == other.d0 && d1 == other.d1 && d2 == other.d2 && d3 == other.d3;

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode() => HashCode.Combine(Rank, d0, d1, d2, d3);
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Rank switch
    {
        1 => $"[{d0}]",
        2 => $"[{d0}, {d1}]",
        3 => $"[{d0}, {d1}, {d2}]",
        _ => $"[{d0}, {d1}, {d2}, {d3}]",
    };
}
