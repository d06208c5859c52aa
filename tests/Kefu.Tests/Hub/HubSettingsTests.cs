using Kefu.Hub;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Hub;

/// <summary>Environment variables are read as huggingface_hub reads them; tests pass their own environment, never the process's.</summary>
public class HubSettingsTests
{
    private static HubSettings Read(string? cacheDir = null, params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return HubSettings.FromEnvironment(name => env.GetValueOrDefault(name), cacheDir);
    }

    [Fact]
    public void Defaults_are_huggingface_co_and_the_cache_under_home()
    {
        var s = Read(null, ("HOME", "/home/ada"));
        Assert.Equal("https://huggingface.co", s.Endpoint);
        Assert.Equal(Path.GetFullPath("/home/ada/.cache/huggingface/hub"), s.CacheDir);
        Assert.Null(s.Token);
        Assert.False(s.Offline);
    }

    [Fact]
    public void The_cache_folder_is_chosen_in_huggingface_hub_order()
    {
        (string, string)[] all = [("HOME", "/h"), ("XDG_CACHE_HOME", "/xdg"), ("HF_HOME", "/hf"), ("HF_HUB_CACHE", "/hub")];
        Assert.Equal(Path.GetFullPath("/cli"), Read("/cli", all).CacheDir);
        Assert.Equal(Path.GetFullPath("/hub"), Read(null, all).CacheDir);
        Assert.Equal(Path.GetFullPath("/legacy"), Read(null, [.. all[..3], ("HUGGINGFACE_HUB_CACHE", "/legacy")]).CacheDir);
        Assert.Equal(Path.GetFullPath("/hf/hub"), Read(null, all[..3]).CacheDir);
        Assert.Equal(Path.GetFullPath("/xdg/huggingface/hub"), Read(null, all[..2]).CacheDir);
        Assert.Equal(Path.GetFullPath("/h/.cache/huggingface/hub"), Read(null, all[..1]).CacheDir);
        Assert.Equal(Path.GetFullPath("/h/models"), Read("~/models", all).CacheDir);
    }

    [Fact]
    public void HF_ENDPOINT_loses_its_trailing_slash_and_must_be_http()
    {
        Assert.Equal("http://mirror.local:8080/hf", Read(null, ("HOME", "/h"), ("HF_ENDPOINT", "http://mirror.local:8080/hf/")).Endpoint);
        var e = Assert.Throws<HubException>(() => Read(null, ("HOME", "/h"), ("HF_ENDPOINT", "mirror.local")));
        Assert.Contains("HF_ENDPOINT 'mirror.local' is not an http(s) URL", e.Message);
    }

    [Fact]
    public void The_token_comes_from_HF_TOKEN_else_the_login_file_in_HF_HOME()
    {
        using var home = new TempProject("kefu-hub-", ("hf/token", "hf_saved\n"), ("elsewhere", " hf_path \n"));
        string hfHome = home.PathOf("hf");
        var fromEnv = Read(null, ("HF_HOME", hfHome), ("HF_TOKEN", " hf_env "));
        Assert.Equal("hf_env", fromEnv.Token);
        Assert.DoesNotContain("hf_env", fromEnv.ToString());
        Assert.Equal("hf_legacy", Read(null, ("HF_HOME", hfHome), ("HUGGING_FACE_HUB_TOKEN", "hf_legacy")).Token);
        Assert.Equal("hf_saved", Read(null, ("HF_HOME", hfHome)).Token);
        Assert.Equal("hf_path", Read(null, ("HF_HOME", hfHome), ("HF_TOKEN_PATH", home.PathOf("elsewhere"))).Token);
        Assert.Null(Read(null, ("HF_HOME", home.PathOf("nowhere"))).Token);
    }

    [Theory]
    [InlineData("HF_HUB_OFFLINE", "1", true)]
    [InlineData("HF_HUB_OFFLINE", "true", true)]
    [InlineData("HF_HUB_OFFLINE", "YES", true)]
    [InlineData("HF_HUB_OFFLINE", "0", false)]
    [InlineData("HF_HUB_OFFLINE", "off", false)]
    [InlineData("TRANSFORMERS_OFFLINE", "1", true)]
    public void Offline_is_one_of_huggingface_hubs_true_values(string name, string value, bool offline) =>
        Assert.Equal(offline, Read(null, ("HOME", "/h"), (name, value)).Offline);
}

public class GlobPatternTests
{
    [Theory]
    [InlineData("*.json", "config.json", true)]
    [InlineData("*.json", "1_Pooling/config.json", true)] // fnmatch's "*" crosses "/"
    [InlineData("*.json", "model.safetensors", false)]
    [InlineData("1_Pooling/*", "1_Pooling/config.json", true)]
    [InlineData("1_Pooling/", "1_Pooling/config.json", true)] // a folder: everything under it
    [InlineData("1_Pooling/*", "config.json", false)]
    [InlineData("model-0000?-of-00002.safetensors", "model-00001-of-00002.safetensors", true)]
    [InlineData("[!p]*.bin", "pytorch_model.bin", false)]
    [InlineData("[!p]*.bin", "tf_model.bin", true)]
    [InlineData("[ct]*", "config.json", true)]
    [InlineData("Config.json", "config.json", false)] // case-sensitive, as fnmatch on POSIX
    [InlineData("a[b", "a[b", true)] // an unclosed "[" is literal
    [InlineData("[]x]*", "]y", true)] // a "]" first in a set is a member
    [InlineData("*.json", "config.json\n", false)]
    public void Patterns_match_as_python_fnmatch(string pattern, string path, bool matches) =>
        Assert.Equal(matches, new GlobPattern(pattern).IsMatch(path));
}
