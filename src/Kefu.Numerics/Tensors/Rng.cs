namespace Kefu.Numerics;

/// <summary>
/// Seeded xoshiro128** generator (Blackman and Vigna, 2018): every random number in training comes from
/// one of these, so the same seed gives the same initialisation, dropout masks and shuffles.
/// </summary>
public sealed class Rng
{
    private uint s0, s1, s2, s3;
    private float spareGaussian;
    private bool hasSpare;

    public Rng(ulong seed)
    {
        // SplitMix64 spreads any seed (0 included) over the 128-bit state.
        ulong z = seed;
        ulong a = SplitMix(ref z), b = SplitMix(ref z);
        s0 = (uint)a;
        s1 = (uint)(a >> 32);
        s2 = (uint)b;
        s3 = (uint)(b >> 32);
    }

    public uint NextUInt()
    {
        uint result = RotateLeft(s1 * 5, 7) * 9;
        uint t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 11);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)((ulong)NextUInt() * (ulong)maxExclusive >> 32);
    }

    /// <summary>Standard normal by Box-Muller, computed in double so results do not depend on float intrinsics.</summary>
    public float NextGaussian()
    {
        if (hasSpare)
        {
            hasSpare = false;
            return spareGaussian;
        }
        double u1 = (NextUInt() + 1.0) / 4294967296.0, u2 = NextUInt() / 4294967296.0;
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        spareGaussian = (float)(r * Math.Sin(2 * Math.PI * u2));
        hasSpare = true;
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }

    public void FillNormal(Span<float> destination, float mean, float std)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = mean + std * NextGaussian();
    }

    public void FillUniform(Span<float> destination, float low, float high)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = low + (high - low) * NextFloat();
    }

    /// <summary>Fisher-Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong z)
    {
        ulong x = z += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));
}
