using Kefu.Experiments;

namespace Kefu.Tests.Experiments;

public class ArmAssignerTests
{
    [Fact]
    public void The_split_of_100000_ids_is_close_to_the_weights()
    {
        var assigner = new ArmAssigner("reply-model", [new("A", 70), new("B", 20), new("C", 10)]);
        var counts = Enumerable.Range(0, 100_000).Select(i => assigner.Assign($"conversation-{i}").Name)
            .GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        // binomial sd at n = 1e5: √(n p (1−p)) ≤ 158; 5 sd ≈ 0.8 percentage points
        Assert.InRange(counts["A"], 69_200, 70_800);
        Assert.InRange(counts["B"], 19_200, 20_800);
        Assert.InRange(counts["C"], 9_200, 10_800);
    }

    [Fact]
    public void One_id_always_gets_the_same_arm_in_every_process()
    {
        var arms = new Arm[] { new("A", 1), new("B", 1) };
        var first = new ArmAssigner("welcome", arms);
        var again = new ArmAssigner("welcome", arms);
        for (int i = 0; i < 1000; i++) Assert.Equal(first.Assign($"c{i}"), again.Assign($"c{i}"));
        // SHA-256 gives the same number in any process, machine or language:
        // python3 -c "import hashlib; n=b'welcome'; d=hashlib.sha256(b'%d:' % len(n) + n + b'conv-1').digest(); print((int.from_bytes(d[:8],'big')>>11)/2**53)"
        Assert.Equal(0.5563382121975098, ArmAssigner.Unit("welcome", "conv-1"));
        Assert.Equal(0.22872833283465976, ArmAssigner.Unit("欢迎", "会话-中"));                 // UTF-8 name of 6 bytes
        Assert.Equal("B", first.Assign("conv-1").Name);
        Assert.NotEqual(ArmAssigner.Unit("ab", "c"), ArmAssigner.Unit("a", "bc"));
    }

    [Fact]
    public void Bad_weights_and_names_are_refused_with_the_reason()
    {
        Assert.Contains("at least two arms", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1)])).Message);
        Assert.Contains("weight 0", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1), new("B", 0)])).Message);
        Assert.Contains("weight -1", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1), new("B", -1)])).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1), new("B", double.NaN)])).Message);
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1), new("A", 2)])).Message);
        Assert.Contains("no name", Assert.Throws<ArgumentException>(() => new ArmAssigner("x", [new("A", 1), new(" ", 2)])).Message);
    }
}
