using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>
/// BERT-style input embeddings: token + learned position (+ token type), then LayerNorm and dropout.
/// Parameters "{name}.token" [V, C], "{name}.position" [P, C], "{name}.token_type" [Y, C] when Y > 0, "{name}.norm".
/// Legend: B sequences, T tokens, C hidden. Positions start at <c>positionOffset</c>; with a <c>paddingId</c> they are
/// RoBERTa's create_position_ids_from_input_ids: padding id + the count of non-padding tokens so far, and the padding id
/// itself on padding tokens.
/// </summary>
public sealed class Embeddings
{
    private readonly float dropout;
    private readonly int positionOffset;
    private readonly int paddingId;
    private int[] positions = [];
    private int[] zeros = [];

    public Embeddings(ParameterSet parameters, string name, int vocabulary, int maxPositions, int hidden,
        int tokenTypes = 0, float dropout = 0.1f, float layerNormEps = 1e-5f, int positionOffset = 0, int paddingId = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positionOffset);
        if (paddingId >= 0 && paddingId + 1 != positionOffset)
            throw new ArgumentException($"Embeddings: positions counted from padding id {paddingId} start at {paddingId + 1}, not {positionOffset}.");
        Token = parameters.Add(name + ".token", new Shape(vocabulary, hidden), ParameterInit.Normal(0.02f), parameters.Decay);
        Position = parameters.Add(name + ".position", new Shape(maxPositions, hidden), ParameterInit.Normal(0.02f), parameters.Decay);
        TokenType = tokenTypes > 0 ? parameters.Add(name + ".token_type", new Shape(tokenTypes, hidden), ParameterInit.Normal(0.02f), parameters.Decay) : null;
        Norm = new LayerNorm(parameters, name + ".norm", hidden, layerNormEps);
        this.dropout = dropout;
        this.positionOffset = positionOffset;
        this.paddingId = paddingId;
    }

    public Parameter Token { get; }
    public Parameter Position { get; }
    public Parameter? TokenType { get; }
    public LayerNorm Norm { get; }

    /// <param name="tokenIds">[B*T] ids, unchanged until backward has run.</param>
    /// <param name="tokenTypeIds">[B*T] segment ids, or empty for all zeros.</param>
    /// <returns>[B*T, C]</returns>
    public Tensor Forward(Graph g, ReadOnlyMemory<int> tokenIds, ReadOnlyMemory<int> tokenTypeIds, int batch, int time)
    {
        if (tokenIds.Length != batch * time)
            throw new ArgumentException($"Embeddings: {tokenIds.Length} token ids for {batch} × {time} tokens.");
        if (time + positionOffset > Position.DeclaredShape[0])
            throw new ArgumentException($"Embeddings: sequences of {time} tokens exceed the {Position.DeclaredShape[0] - positionOffset} learned positions.");
        var positionIds = paddingId >= 0 ? PaddingAwarePositionIds(tokenIds.Span, batch, time) : PositionIds(batch, time);
        var x = g.Add(g.Embedding(Token, tokenIds), g.Embedding(Position, positionIds));
        if (TokenType is not null && !tokenTypeIds.IsEmpty)
            x = g.Add(x, g.Embedding(TokenType, tokenTypeIds));
        else if (TokenType is not null)
            x = g.Add(x, g.Embedding(TokenType, ZeroIds(batch * time)));
        return g.Dropout(Norm.Forward(g, x), dropout);
    }

    // [B*T]: offset..offset+T-1 repeated; the buffer grows during warm-up and is reused afterwards
    private ReadOnlyMemory<int> PositionIds(int batch, int time)
    {
        int n = batch * time;
        if (positions.Length < n)
            positions = new int[n];
        for (int i = 0; i < n; i++)
            positions[i] = positionOffset + i % time;
        return positions.AsMemory(0, n);
    }

    // [B*T]: per row, paddingId + cumsum(id != paddingId) on tokens and paddingId on padding; a new array each call,
    // since the ids depend on the batch and the tape keeps them until backward (and graphs on other threads share this module)
    private int[] PaddingAwarePositionIds(ReadOnlySpan<int> tokenIds, int batch, int time)
    {
        var ids = new int[batch * time];
        for (int b = 0; b < batch; b++)
        {
            int seen = 0;
            for (int t = 0; t < time; t++)
            {
                int i = b * time + t;
                ids[i] = tokenIds[i] == paddingId ? paddingId : paddingId + ++seen;
            }
        }
        return ids;
    }

    private ReadOnlyMemory<int> ZeroIds(int n)
    {
        if (zeros.Length < n)
            zeros = new int[n];
        return zeros.AsMemory(0, n);
    }
}
