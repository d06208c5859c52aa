using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kefu.Experiments;

/// <summary>One arm of an experiment (a model version) and its share of the traffic, relative to the other weights.</summary>
public sealed record Arm(string Name, double Weight);

/// <summary>
/// Routes conversations to the arms of one experiment: u = the first 53 bits of SHA-256(UTF-8 of
/// "{UTF-8 byte count of the experiment name}:{experiment name}{conversation id}") / 2^53, in [0, 1); the arm is the first whose cumulative
/// normalized weight exceeds u. SHA-256 is the same in every process, machine and .NET version (string.GetHashCode
/// is randomized per process), and in Python: hashlib.sha256(b"7:welcomeconv-1").digest()[:8] gives the same u.
/// The length prefix keeps ("ab", "c") and ("a", "bc") apart.
/// </summary>
public sealed class ArmAssigner
{
    readonly double[] cumulative;

    public string Experiment { get; }
    public IReadOnlyList<Arm> Arms { get; }

    public ArmAssigner(string experiment, IReadOnlyList<Arm> arms)
    {
        if (string.IsNullOrWhiteSpace(experiment)) throw new ArgumentException("an experiment needs a name");
        if (arms.Count < 2) throw new ArgumentException($"experiment '{experiment}' needs at least two arms, has {arms.Count}");
        foreach (var arm in arms)
        {
            if (string.IsNullOrWhiteSpace(arm.Name)) throw new ArgumentException($"experiment '{experiment}': an arm has no name");
            if (!(arm.Weight > 0) || !double.IsFinite(arm.Weight))
                throw new ArgumentException($"experiment '{experiment}': arm '{arm.Name}' has weight {arm.Weight}; weights must be positive numbers");
        }
        if (arms.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"experiment '{experiment}': arm '{twice.Key}' is named twice");
        Experiment = experiment;
        Arms = arms.ToList();
        double total = arms.Sum(a => a.Weight), running = 0;
        cumulative = arms.Select(a => (running += a.Weight) / total).ToArray();
        cumulative[^1] = 1;                                          // rounding must not leave a gap below 1
    }

    /// <summary>The arm of a conversation: always the same for the same experiment, id and arms.</summary>
    public Arm Assign(string conversationId)
    {
        double u = Unit(Experiment, conversationId);
        for (int i = 0; i < cumulative.Length; i++)
            if (u < cumulative[i]) return Arms[i];
        return Arms[^1];
    }

    /// <summary>The stable hash of (experiment, conversation id) as a number in [0, 1).</summary>
    public static double Unit(string experiment, string conversationId)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(experiment)}:{experiment}{conversationId}"), digest);
        return (BinaryPrimitives.ReadUInt64BigEndian(digest) >> 11) / (double)(1UL << 53);
    }
}
