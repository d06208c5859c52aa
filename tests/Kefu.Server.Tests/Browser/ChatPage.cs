using OpenQA.Selenium;
using OpenQA.Selenium.Chromium;
using OpenQA.Selenium.Support.UI;

namespace Kefu.Server.Tests.Browser;

/// <summary>What the newer browser tests do to the web chat page, as extension methods on the driver.</summary>
internal static class ChatPage
{
    // The typing indicator is a bot row too, while a reply is awaited.
    public const string BotBubbles = ".row.bot:not(.typing) .bubble";

    /// <summary>Waits for <paramref name="condition"/>; an element that a page's re-render replaced is looked up again.</summary>
    public static T Until<T>(this IWebDriver driver, Func<IWebDriver, T> condition)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(10));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    /// <summary>
    /// The web chat at <paramref name="address"/> with nothing remembered (no sender, no cookie). Cleared from a blank
    /// page, so that no chat page is left to poll without its cookie; then loaded twice, so that the second load is a
    /// 304 revalidation.
    /// </summary>
    public static void OpenFresh(this IWebDriver driver, Uri address)
    {
        driver.Navigate().GoToUrl("about:blank");
        driver.ClearCookies();
        ((ChromiumDriver)driver).ExecuteCdpCommand("Storage.clearDataForOrigin", new()
        {
            ["origin"] = address.GetLeftPart(UriPartial.Authority),
            ["storageTypes"] = "local_storage",
        });
        driver.Navigate().GoToUrl(address);
        driver.Until(d => d.Stored("kefu.sender") is not null);
        driver.Navigate().Refresh();
        driver.Until(d => d.FindElements(By.CssSelector(".row.notice")).Count > 0);
    }

    /// <summary>
    /// The browser's cookies, all paths. WebDriver's own cookie commands see only those of the page's path, and the
    /// session cookie's path is /webhooks/rest/, so these go through the DevTools protocol.
    /// </summary>
    public static List<Dictionary<string, object>> Cookies(this IWebDriver driver)
    {
        var answer = (Dictionary<string, object>)((ChromiumDriver)driver).ExecuteCdpCommand("Network.getAllCookies", [])!;
        return ((IEnumerable<object>)answer["cookies"]).Cast<Dictionary<string, object>>().ToList();
    }

    public static void ClearCookies(this IWebDriver driver) =>
        ((ChromiumDriver)driver).ExecuteCdpCommand("Network.clearBrowserCookies", []);

    public static void Send(this IWebDriver driver, string text)
    {
        var before = driver.Texts(".row.user .bubble").Count;
        driver.FindElement(By.Id("input")).SendKeys(text);
        driver.FindElement(By.Id("send")).Click();
        driver.Until(d => d.Texts(".row.user .bubble").Count > before && d.FindElement(By.Id("send")).Enabled);
    }

    public static string? Stored(this IWebDriver driver, string key) =>
        ((IJavaScriptExecutor)driver).ExecuteScript("return localStorage.getItem(arguments[0])", key) as string;

    /// <summary>The rendered text of the matching elements, read in one script so that none goes stale meanwhile.</summary>
    public static List<string> Texts(this IWebDriver driver, string css) =>
        ((IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)", css)!).Cast<string>().ToList();

    /// <summary>Everything the page logged at error level (console errors, CSP violations, failed loads) since the last call.</summary>
    public static List<string> ConsoleErrors(this IWebDriver driver) =>
        driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Severe).Select(e => e.Message).ToList();
}
