namespace Kefu.Hub;

/// <summary>
/// Where the hub is, where its cache lives, the token and whether the network may be used, read from the environment
/// variables huggingface_hub reads (huggingface_hub/constants.py, utils/_auth.py), so both share one cache and login.
/// </summary>
/// <param name="Endpoint">HF_ENDPOINT without a trailing slash (default https://huggingface.co).</param>
/// <param name="CacheDir">The hub cache: the folder holding models--{org}--{name}/.</param>
/// <param name="Token">Sent as "Authorization: Bearer" to the endpoint only, never to a CDN it redirects to.</param>
/// <param name="Offline">HF_HUB_OFFLINE: answer from refs/ and snapshots/ only, never touch the network.</param>
public sealed record HubSettings(string Endpoint, string CacheDir, string? Token, bool Offline)
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The values huggingface_hub counts as true (ENV_VARS_TRUE_VALUES), compared upper-cased.</summary>
    private static readonly string[] TrueValues = ["1", "ON", "YES", "TRUE"];

    /// <summary>The settings from the process environment.</summary>
    public static HubSettings FromEnvironment(string? cacheDir = null) =>
        FromEnvironment(Environment.GetEnvironmentVariable, cacheDir);

    /// <summary>
    /// The settings from <paramref name="env"/> (a variable's value, or null when unset), in huggingface_hub's order:
    /// cache: <paramref name="cacheDir"/> &gt; HF_HUB_CACHE &gt; HUGGINGFACE_HUB_CACHE &gt; HF_HOME/hub &gt;
    /// XDG_CACHE_HOME/huggingface/hub &gt; ~/.cache/huggingface/hub;
    /// token: HF_TOKEN &gt; HUGGING_FACE_HUB_TOKEN &gt; the file HF_TOKEN_PATH (default HF_HOME/token);
    /// offline: HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE in 1/ON/YES/TRUE.
    /// </summary>
    public static HubSettings FromEnvironment(Func<string, string?> env, string? cacheDir = null)
    {
        string? Get(string name) => env(name) is { Length: > 0 } value ? value : null;
        string home = Get("HOME") ?? Get("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Expand(string path) =>
            Path.GetFullPath(path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path);

        string hfHome = Expand(Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface"));
        string cache = Expand(cacheDir ?? Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"));
        string endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new HubException(HubError.InvalidName, $"HF_ENDPOINT '{endpoint}' is not an http(s) URL (e.g. {DefaultEndpoint}, or a mirror's URL).");
        string? token = Clean(Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN")) ?? ReadTokenFile(Expand(Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token")));
        bool offline = IsTrue(Get("HF_HUB_OFFLINE") ?? Get("TRANSFORMERS_OFFLINE"));
        return new HubSettings(endpoint, cache, token, offline);
    }

    /// <summary>Without the token: settings end up in logs.</summary>
    public override string ToString() =>
        $"HubSettings {{ Endpoint = {Endpoint}, CacheDir = {CacheDir}, Token = {(Token is null ? "none" : "(set)")}, Offline = {Offline} }}";

    private static bool IsTrue(string? value) => value is not null && TrueValues.Contains(value.Trim().ToUpperInvariant());

    private static string? Clean(string? token) => string.IsNullOrWhiteSpace(token) ? null : token.Trim();

    /// <summary>The token `hf auth login` (huggingface-cli login) saved, if any.</summary>
    private static string? ReadTokenFile(string path)
    {
        try
        {
            return File.Exists(path) ? Clean(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
