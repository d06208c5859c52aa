using Kefu.Text.Hf;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// A Hugging Face tokenizer as the generator's <see cref="ITokenCodec"/>: text encodes without the post-processor's
/// tokens (as transformers' generate sees a prompt that was tokenized with add_special_tokens=False, and as chat
/// templates expect), and ids decode with special tokens left out (skip_special_tokens=True).
/// </summary>
public sealed class HfTokenCodec(HfTokenizer tokenizer) : ITokenCodec
{
    public HfTokenizer Tokenizer { get; } = tokenizer;

    public int[] Encode(string text) => Tokenizer.EncodeToIds(text, addSpecialTokens: false);

    public string Decode(IReadOnlyList<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);
}
