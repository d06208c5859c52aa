using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Kefu.Server.Tests.Browser;

/// <summary>
/// Debian's Chromium and chromedriver (scripts/ci-deps.sh installs them), started headless with a fresh
/// profile. Both paths are given explicitly so that Selenium Manager never tries to download a browser.
/// </summary>
internal static class Chromium
{
    public const string BinaryPath = "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";
    public const string DriverFile = "chromedriver";

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public static string? MissingReason =>
        !File.Exists(BinaryPath) ? $"{BinaryPath} is not installed (Debian package chromium; run scripts/ci-deps.sh)"
        : !File.Exists(Path.Combine(DriverDirectory, DriverFile)) ? $"{Path.Combine(DriverDirectory, DriverFile)} is not installed (Debian package chromium-driver; run scripts/ci-deps.sh)"
        : null;

    public static ChromeDriver Start(string profileDirectory, int width, int height, params string[] extraArguments)
    {
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverFile);
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = BinaryPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--lang=zh-CN", $"--window-size={width},{height}", $"--user-data-dir={profileDirectory}");
        options.AddArguments(extraArguments);
        // Console messages and failed loads, read back with Manage().Logs.GetLog(LogType.Browser).
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(30));
    }
}

/// <summary>A fact that is skipped, saying why, where Chromium or its driver is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.MissingReason is { } reason)
            Skip = "browser test skipped: " + reason;
    }
}
