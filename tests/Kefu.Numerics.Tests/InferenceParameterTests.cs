using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Tests;

public class InferenceParameterTests
{
    [Fact]
    public void A_set_allocated_without_gradients_is_frozen_and_cannot_be_trained()
    {
        var parameters = new ParameterSet();
        var w = parameters.Add("w", new Shape(3, 4), ParameterInit.Normal(1f));
        parameters.Allocate(seed: 1, withGradients: false);
        Assert.False(parameters.HasGradients);
        Assert.True(w.Frozen);
        Assert.Null(w.Grad);
        Assert.Equal(0, parameters.Gradients.Length);
        Assert.Equal(0f, parameters.GradientNorm());
        parameters.ZeroGradients();
        Assert.Throws<InvalidOperationException>(() => w.Frozen = false);
        Assert.Throws<InvalidOperationException>(() => new AdamW(parameters));
    }
}
