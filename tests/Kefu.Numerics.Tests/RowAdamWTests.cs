using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Tests;

public class RowAdamWTests
{
    static (ParameterSet Set, Parameter P) Matrix()
    {
        var set = new ParameterSet();
        var p = set.Add("w", new Shape(4, 3), ParameterInit.Normal(1f), set.Decay);
        set.Decay.LearningRate = 0.05f;
        set.Decay.WeightDecay = 0.01f;
        set.Allocate(seed: 5);
        return (set, p);
    }

    [Fact]
    public void Touching_every_row_is_AdamW()
    {
        var (rowSet, rowP) = Matrix();
        var (fullSet, fullP) = Matrix();
        var rows = new RowAdamW(rowP);
        var full = new AdamW(fullSet);
        var rng = new Rng(9);
        for (int step = 0; step < 3; step++)
        {
            var g = new float[12];
            rng.FillNormal(g, 0f, 1f);
            g.CopyTo(rowP.Grad!.Span);
            g.CopyTo(fullP.Grad!.Span);
            rows.Step([0, 1, 2, 3], 0.5f);
            full.Step(0.5f);
            fullSet.ZeroGradients();
            var expected = ((Tensor)fullP).Span.ToArray();
            var actual = ((Tensor)rowP).Span.ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], actual[i], 1e-6f); // rows of 3 take the scalar path, the whole matrix the vector one
            Assert.All(rowP.Grad.Span.ToArray(), v => Assert.Equal(0f, v)); // the touched rows' gradients are cleared
        }
    }

    [Fact]
    public void Rows_not_touched_keep_their_values_and_moments()
    {
        var (set, p) = Matrix();
        var before = ((Tensor)p).Span.ToArray();
        var rows = new RowAdamW(p);
        p.Grad!.Span.Fill(1f);
        rows.Step([1, 3]);
        var after = ((Tensor)p).Span.ToArray();
        Assert.Equal(before[0..3], after[0..3]);
        Assert.Equal(before[6..9], after[6..9]);
        Assert.NotEqual(before[3..6], after[3..6]);
        Assert.Equal(1f, p.Grad.Span[0]); // untouched rows' gradients are left alone
        Assert.Equal(0f, p.Grad.Span[3]);
    }

    [Fact]
    public void Touched_rows_are_the_distinct_columns_of_a_batch()
    {
        var x = new CsrMatrix(2, 10, [0, 3, 5], [7, 2, 9, 2, 0], [1f, 1f, 1f, 1f, 1f]);
        Assert.Equal([0, 2, 7, 9], RowAdamW.TouchedRows(x, new bool[10]));
    }
}
