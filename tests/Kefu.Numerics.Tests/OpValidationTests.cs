using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

/// <summary>Bad shapes and ids fail at the op boundary with a message that names the op and the values.</summary>
public class OpValidationTests
{
    private readonly Graph g = new(recordTape: true);

    [Fact]
    public void Linear_rejects_mismatched_input_width()
    {
        var e = Assert.Throws<ArgumentException>(() => g.Linear(new Tensor(new Shape(2, 5)), new Tensor(new Shape(3, 4)), null));
        Assert.Contains("Linear", e.Message);
        Assert.Contains("[2, 5]", e.Message);
    }

    [Fact]
    public void Embedding_rejects_ids_outside_the_table()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => g.Embedding(new Tensor(new Shape(4, 2)), new[] { 1, 4 }));
        Assert.Contains("id 4 at position 1", e.Message);
    }

    [Fact]
    public void Cross_entropy_rejects_targets_outside_the_classes_and_wrong_counts()
    {
        var logits = new Tensor(new Shape(2, 3));
        Assert.Contains("target 3 at row 1", Assert.Throws<ArgumentOutOfRangeException>(() => g.CrossEntropy(logits, new[] { 0, 3 })).Message);
        Assert.Contains("1 targets for 2 rows", Assert.Throws<ArgumentException>(() => g.CrossEntropy(logits, new[] { 0 })).Message);
    }

    [Fact]
    public void Attention_layer_norm_and_dropout_reject_bad_arguments()
    {
        Assert.Throws<ArgumentException>(() => g.SelfAttention(new Tensor(new Shape(6, 9)), null, 2, 3, 2));
        Assert.Throws<ArgumentException>(() => g.LayerNorm(new Tensor(new Shape(2, 4)), new Tensor(new Shape(3)), new Tensor(new Shape(4))));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Dropout(new Tensor(new Shape(2)), 1f));
        Assert.Throws<ArgumentException>(() => g.Add(new Tensor(new Shape(2)), new Tensor(new Shape(3))));
    }

    [Fact]
    public void Backward_needs_a_scalar_loss_that_depends_on_something_trainable()
    {
        var x = new Tensor(new Shape(1, 2));
        var loss = g.CrossEntropy(x, new[] { 0 });
        Assert.Throws<InvalidOperationException>(() => g.Backward(loss));
        Assert.Throws<InvalidOperationException>(() => new Graph(recordTape: false).Backward(loss));
    }
}
