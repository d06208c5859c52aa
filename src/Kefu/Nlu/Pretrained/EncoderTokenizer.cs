using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// The tokenizer of an encoder folder for the transformer NLU. <see cref="HfTokenizer.Load"/> reads WordPiece, BPE and
/// Unigram tokenizers, but the NLU's encodings (TokenizedText's word spans for entities, [CLS]/[SEP] templates,
/// padding and truncation in <see cref="BertTokenizer"/>) are WordPiece only so far; a RoBERTa / XLM-R folder with a BPE
/// or Unigram tokenizer is refused here, before any weights are read, rather than encoded wrongly.
/// </summary>
public static class EncoderTokenizer
{
    public static BertTokenizer Load(string folder)
    {
        var tokenizer = HfTokenizer.Load(folder);
        if (tokenizer is WordPieceTokenizer wordPiece)
            return wordPiece.Bert;
        string kind = tokenizer.Kind == TokenizerModelKind.Bpe ? "a byte-level BPE tokenizer (RoBERTa, GPT-2 style)" : "a Unigram (SentencePiece) tokenizer (XLM-R, T5 style)";
        throw new InvalidDataException(
            $"{folder}: the model's tokenizer is {kind}. Kefu reads it (HfTokenizer), but the transformer NLU (TransformerClassifier, "
            + "kefu model finetune/predict/embed, LanguageModelFeaturizer) runs WordPiece tokenizers only so far: its entity word spans, "
            + "special-token template and padding are not wired to BPE or Unigram yet. Use a WordPiece model (BERT, MiniLM, chinese-roberta-wwm-ext).");
    }
}
