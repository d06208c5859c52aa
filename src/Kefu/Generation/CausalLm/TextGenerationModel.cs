using Kefu.Hub;
using Kefu.Text.Chat;
using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// What one Hugging Face causal-LM folder holds for generating text: the model, its tokenizer, and the tokens that end
/// a reply (config.json's and generation_config.json's eos_token_id, and the tokenizer's eos_token).
/// </summary>
public sealed class TextGenerationModel
{
    private TextGenerationModel(string folder, CausalLanguageModel model, HfTokenizer tokenizer, IReadOnlyList<int> stopIds)
    {
        Folder = folder;
        Model = model;
        Tokenizer = tokenizer;
        Codec = new HfTokenCodec(tokenizer);
        StopTokenIds = stopIds;
    }

    /// <summary>The folder it was read from (a hub id's snapshot folder).</summary>
    public string Folder { get; }

    public CausalLanguageModel Model { get; }

    public HfTokenizer Tokenizer { get; }

    public HfTokenCodec Codec { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// A folder or hub id (fetched into the huggingface_hub cache): model, tokenizer, generation_config.json. A PEFT
    /// LoRA folder (adapter_config.json) loads its base model (base_model_name_or_path) with the adapters on it, and the
    /// tokenizer saved beside the adapters, else the base model's.
    /// </summary>
    /// <exception cref="InvalidDataException">Unsupported architecture, missing tensors, a tokenizer file that does not parse, or a tokenizer larger than the model's vocabulary.</exception>
    public static TextGenerationModel Load(string folderOrRepo, bool trainable = false, string? revision = null, TextWriter? progress = null)
    {
        string folder = ModelLocator.Resolve(folderOrRepo, revision, progress);
        if (!File.Exists(Path.Combine(folder, LoraAdapters.ConfigFile)))
            return WithTokenizer(folder, CausalLanguageModel.Load(folder, trainable));
        string baseFolder = ModelLocator.Resolve(LoraAdapters.BaseModelOf(folder), null, progress);
        var model = CausalLanguageModel.Load(baseFolder, trainable);
        model.Adapters = LoraAdapters.Load(folder, model);
        return WithTokenizer(TokenizerFiles.Any(f => File.Exists(Path.Combine(folder, f))) ? folder : baseFolder, model);
    }

    /// <summary>The tokenizer's files in a Hugging Face folder, copied beside fine-tuned weights.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json", "vocab.txt"];

    /// <summary>
    /// This model in the Hugging Face folder format, as save_pretrained writes it: config.json, generation_config.json,
    /// model.safetensors (F32) and the tokenizer files, so it loads again here and in transformers. LoRA adapters, when
    /// on, are saved in PEFT's layout instead (adapter_config.json naming this model's folder as the base).
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        if (Path.GetFullPath(folder).TrimEnd('/') == Path.GetFullPath(Folder).TrimEnd('/'))
            throw new ArgumentException($"{folder} is the folder the model was loaded from; save the fine-tuned model elsewhere.");
        if (Model.Adapters is { } adapters)
            adapters.Save(folder, Folder, Model.Config.Architecture);
        else
        {
            foreach (string file in (string[])["config.json", "generation_config.json"])
            {
                if (File.Exists(Path.Combine(Folder, file)))
                    File.Copy(Path.Combine(Folder, file), Path.Combine(folder, file), overwrite: true);
            }
            CausalLmWeights.Save(Model, Path.Combine(folder, "model.safetensors"));
        }
        foreach (string file in TokenizerFiles)
        {
            if (File.Exists(Path.Combine(Folder, file)))
                File.Copy(Path.Combine(Folder, file), Path.Combine(folder, file), overwrite: true);
        }
    }

    /// <summary>A model already in memory with the tokenizer and generation_config.json of <paramref name="folder"/>.</summary>
    public static TextGenerationModel WithTokenizer(string folder, CausalLanguageModel model)
    {
        var tokenizer = HfTokenizer.Load(folder);
        if (tokenizer.VocabularySize > model.Config.VocabularySize)
            throw new InvalidDataException($"{folder}: the tokenizer has {tokenizer.VocabularySize} ids but the model's vocab_size is {model.Config.VocabularySize}.");
        var stops = new SortedSet<int>(model.Config.EosTokenIds);
        string generationConfig = Path.Combine(folder, "generation_config.json");
        if (File.Exists(generationConfig))
            stops.UnionWith(HuggingFaceJson.ReadObject(generationConfig, root => CausalLmConfig.TokenIds(generationConfig, root, "eos_token_id")));
        if (tokenizer.SpecialId(tokenizer.Settings.EosToken) is { } eos)
            stops.Add(eos);
        return new TextGenerationModel(folder, model, tokenizer, [.. stops]);
    }

    /// <summary>The prompt's ids: the text as it is, or with <paramref name="chat"/> one user message (after an optional system message) in the tokenizer's chat template, ready for the assistant's reply.</summary>
    /// <exception cref="InvalidOperationException">Chat asked of a tokenizer without a chat template.</exception>
    public int[] EncodePrompt(string prompt, bool chat, string? system = null)
    {
        if (!chat)
            return Codec.Encode(prompt);
        if (Tokenizer.Settings.ChatTemplate is null)
            throw new InvalidOperationException($"{Folder}: the tokenizer has no chat template (tokenizer_config.json's \"chat_template\"); leave out --chat to use the prompt as it is.");
        List<ChatMessage> messages = system is null ? [] : [new ChatMessage("system", system)];
        messages.Add(new ChatMessage("user", prompt));
        return Tokenizer.EncodeChat(messages, addGenerationPrompt: true);
    }

    /// <summary>A generator that decodes with this tokenizer.</summary>
    public CausalLmGenerator Generator() => new(Model, Codec);

    /// <summary><paramref name="options"/> with this model's stop tokens when it names none.</summary>
    public GenerationOptions WithStops(GenerationOptions options) =>
        options.StopTokenIds is null ? options with { StopTokenIds = StopTokenIds } : options;
}
