using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Tests;

public class OptimizerTests
{
    [Fact]
    public void AdamW_two_steps_match_values_computed_by_hand()
    {
        var set = new ParameterSet();
        var group = new ParameterGroup("g", LearningRate: 0.1f, WeightDecay: 0.01f);
        var p = set.Add("p", new Shape(2), ParameterInit.Zeros, group);
        var bias = set.Add("bias", new Shape(1), ParameterInit.Ones, set.NoDecay);
        set.NoDecay.LearningRate = 0.1f;
        set.Allocate(seed: 0);
        p.Span[0] = 1f;
        p.Span[1] = -2f;
        var adam = new AdamW(set);

        p.Grad!.Span[0] = 0.5f;
        p.Grad.Span[1] = 0.1f;
        bias.Grad!.Span[0] = 0.5f;
        adam.Step();
        // m = 0.1 g, v = 0.001 g², m̂ / √v̂ = sign(g): p = p (1 − 0.1 · 0.01) − 0.1
        Assert.Equal(0.899f, p.Span[0], 6);
        Assert.Equal(-2.098f, p.Span[1], 6);
        Assert.Equal(0.9f, bias.Span[0], 6); // no weight decay in this group

        set.ZeroGradients();
        p.Grad.Span[0] = -0.5f;
        p.Grad.Span[1] = 0.2f;
        adam.Step();
        Assert.Equal(0.90336416f, p.Span[0], 6);
        Assert.Equal(-2.19242019f, p.Span[1], 5);
    }

    [Fact]
    public void AdamW_vector_kernel_matches_scalar_reference()
    {
        var rng = new Rng(3);
        float[] p = new float[37], g = new float[37], m = new float[37], v = new float[37];
        rng.FillUniform(p, -1, 1);
        rng.FillUniform(g, -1, 1);
        float[] p2 = (float[])p.Clone(), m2 = new float[37], v2 = new float[37];
        for (int t = 1; t <= 3; t++)
        {
            float c1 = 1 - MathF.Pow(0.9f, t), c2 = 1 - MathF.Pow(0.999f, t);
            AdamW.Update(p, g, m, v, 0.01f, 0.1f, 0.9f, 0.999f, 1e-8f, c1, c2);
            AdamW.UpdateReference(p2, g, m2, v2, 0.01f, 0.1f, 0.9f, 0.999f, 1e-8f, c1, c2);
        }
        for (int i = 0; i < p.Length; i++)
            Assert.Equal(p2[i], p[i], 5);
    }

    [Fact]
    public void Frozen_parameters_are_not_updated()
    {
        var set = new ParameterSet();
        var frozen = set.Add("frozen", new Shape(3), ParameterInit.Ones);
        var free = set.Add("free", new Shape(3), ParameterInit.Ones);
        set.Allocate(1);
        foreach (var p in set.WithPrefix("froz"))
            p.Frozen = true;
        Assert.True(frozen.Frozen);
        set.Gradients.Fill(1f);
        new AdamW(set).Step();
        Assert.All(frozen.ToArray(), x => Assert.Equal(1f, x));
        Assert.All(free.ToArray(), x => Assert.True(x < 1f));

        var snapshot = new ParameterSet();
        snapshot.Add("frozen", new Shape(3), ParameterInit.Zeros);
        snapshot.Add("free", new Shape(3), ParameterInit.Zeros);
        snapshot.Allocate(2);
        snapshot.CopyValuesFrom(set);
        Assert.True(snapshot.Values.SequenceEqual(set.Values));
    }

    [Fact]
    public void Sgd_with_momentum_accumulates_velocity()
    {
        var set = new ParameterSet();
        var group = new ParameterGroup("g", 0.1f, 0f);
        var p = set.Add("p", new Shape(1), ParameterInit.Ones, group);
        set.Allocate(0);
        var sgd = new Sgd(set, momentum: 0.9f);
        p.Grad!.Span[0] = 1f;
        sgd.Step();
        Assert.Equal(0.9f, p.Span[0], 6);  // b = 1
        sgd.Step();
        Assert.Equal(0.71f, p.Span[0], 6); // b = 1.9
    }

    [Fact]
    public void Clipping_scales_to_the_global_norm_across_parameters()
    {
        var set = new ParameterSet();
        var a = set.Add("a", new Shape(1), ParameterInit.Zeros);
        var b = set.Add("b", new Shape(1), ParameterInit.Zeros);
        set.Allocate(0);
        a.Grad!.Span[0] = 3f;
        b.Grad!.Span[0] = 4f;
        Assert.Equal(5f, set.ClipGradientNorm(1f), 5);
        Assert.Equal(0.6f, a.Grad.Span[0], 5);
        Assert.Equal(0.8f, b.Grad.Span[0], 5);
        Assert.Equal(1f, set.ClipGradientNorm(10f), 5); // below the limit: unchanged
        Assert.Equal(0.6f, a.Grad.Span[0], 5);
    }

    [Fact]
    public void Schedules_warm_up_then_decay()
    {
        Assert.Equal(1f, Schedules.Constant(123));
        Assert.Equal(0.25f, Schedules.WarmupLinear(0, 4, 10), 6);
        Assert.Equal(1f, Schedules.WarmupLinear(3, 4, 10), 6);
        Assert.Equal(1f, Schedules.WarmupLinear(4, 4, 10), 6);
        Assert.Equal(0.5f, Schedules.WarmupLinear(7, 4, 10), 6);
        Assert.Equal(0f, Schedules.WarmupLinear(10, 4, 10), 6);
        Assert.Equal(1f, Schedules.WarmupCosine(2, 2, 12), 6);
        Assert.Equal(0.5f, Schedules.WarmupCosine(7, 2, 12), 6);
        Assert.Equal(0.1f, Schedules.WarmupCosine(12, 2, 12, 0.1f), 6);
        Assert.Equal(0.55f, Schedules.WarmupCosine(7, 2, 12, 0.1f), 6);
    }

    [Fact]
    public void Parameters_are_named_views_into_one_flat_buffer()
    {
        var set = new ParameterSet();
        var a = set.Add("layer.weight", new Shape(2, 3), ParameterInit.Normal(1f));
        var b = set.Add("layer.bias", new Shape(3), ParameterInit.Zeros, set.NoDecay);
        set.Allocate(11);
        Assert.Same(b, set["layer.bias"]);
        a.Span[4] = 42f;
        Assert.Equal(42f, set.Values[a.Offset + 4]);
        b.Grad!.Span[2] = 7f;
        Assert.Equal(7f, set.Gradients[b.Offset + 2]);
        Assert.Throws<KeyNotFoundException>(() => set["missing"]);
        Assert.Throws<InvalidOperationException>(() => set.Add("late", new Shape(1), ParameterInit.Zeros));
        var open = new ParameterSet();
        open.Add("x", new Shape(1), ParameterInit.Zeros);
        Assert.Throws<ArgumentException>(() => open.Add("x", new Shape(1), ParameterInit.Zeros));
    }
}
