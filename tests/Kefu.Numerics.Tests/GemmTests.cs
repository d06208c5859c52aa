namespace Kefu.Numerics.Tests;

public class GemmTests
{
    [Fact]
    public void Reference_multiplies_a_2x2_pair()
    {
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = new float[4];
        GemmReference.Sgemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }
}
