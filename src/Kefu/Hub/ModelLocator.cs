namespace Kefu.Hub;

/// <summary>
/// Turns how a person names a pretrained model (on the command line, in config.yml) into a folder to load it from:
/// an existing folder as it is, otherwise a Hugging Face repo id, fetched into the shared huggingface_hub cache
/// (or found there when HF_HUB_OFFLINE is set).
/// </summary>
public static class ModelLocator
{
    /// <summary>
    /// The files fetched when a model is named by repo id: what Kefu loads, not every format a repo carries.
    /// *.json covers config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.json,
    /// generation_config.json, model.safetensors.index.json and sentence-transformers' modules.json,
    /// sentence_bert_config.json and 1_Pooling/config.json (fnmatch's "*" crosses "/"); *.txt covers vocab.txt and
    /// merges.txt; *.model the sentencepiece models (spiece.model, tokenizer.model, sentencepiece.bpe.model);
    /// *.safetensors the weights, sharded or not; 1_Pooling/* and 2_Dense/* whole sentence-transformers modules.
    /// Left out: pytorch_model.bin, tf_model.h5, flax, onnx/ and openvino/ exports, which Kefu does not read.
    /// `kefu model download` without --include fetches everything instead.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultInclude =
        ["*.json", "*.txt", "*.model", "*.safetensors", "*.tiktoken", "1_Pooling/*", "2_Dense/*"];

    /// <summary>
    /// <paramref name="modelOrFolder"/> as a full folder path: an existing folder, or the snapshot folder of the hub
    /// repo of that id at <paramref name="revision"/> (default "main"), downloading the <see cref="DefaultInclude"/>
    /// files it lacks, with progress on <paramref name="progress"/>. Reads HF_ENDPOINT, HF_HUB_CACHE, HF_HOME,
    /// HF_TOKEN and HF_HUB_OFFLINE as huggingface_hub does. Throws <see cref="HubException"/> with a message for people.
    /// </summary>
    public static string Resolve(string modelOrFolder, string? revision = null, TextWriter? progress = null, CancellationToken ct = default) =>
        Resolve(modelOrFolder, revision, progress, HubSettings.FromEnvironment(), ct);

    internal static string Resolve(string modelOrFolder, string? revision, TextWriter? progress, HubSettings settings, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(modelOrFolder))
            throw new HubException(HubError.InvalidName, "no model given: name a folder holding config.json and the weights, or a Hugging Face repo id (org/name).");
        string folder = modelOrFolder.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), modelOrFolder[2..]) // config.yml is not expanded by a shell
            : modelOrFolder;
        if (Directory.Exists(folder)) return Path.GetFullPath(folder);
        if (File.Exists(folder))
            throw new HubException(HubError.InvalidName, $"'{modelOrFolder}' is a file; name the folder holding config.json and the weights, or a Hugging Face repo id (org/name).");
        if (!RepoId.IsValid(modelOrFolder))
            throw new HubException(HubError.InvalidName,
                $"'{modelOrFolder}' is neither an existing folder (there is none at {Path.GetFullPath(folder)}) " +
                "nor a Hugging Face repo id (org/name, e.g. sentence-transformers/all-MiniLM-L6-v2).");

        bool interactive = ReferenceEquals(progress, Console.Error) && !Console.IsErrorRedirected;
        var client = new HubClient(settings, progress, interactive);
        try
        {
            // Task.Run: no caller's synchronization context can deadlock this synchronous wait.
            return Task.Run(() => client.DownloadAsync(modelOrFolder, revision, DefaultInclude, ct), ct).GetAwaiter().GetResult().Path;
        }
        catch (HubException e) when (e.Error == HubError.RepoNotFound)
        {
            throw new HubException(e.Error, $"{e.Message} (There is no folder '{Path.GetFullPath(modelOrFolder)}' either.)", e);
        }
    }
}
