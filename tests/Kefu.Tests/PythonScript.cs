using System.Diagnostics;

namespace Kefu.Tests;

/// <summary>Runs `python -c SCRIPT [ARGUMENT]` for the tests that use Python peers (scikit-learn, scipy) as oracles.</summary>
internal static class PythonScript
{
    /// <summary>True with the script's stdout when it exits 0; false with stdout and stderr (or why it did not start).</summary>
    public static bool TryRun(string python, string script, string? argument, out string output)
    {
        try
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            if (argument is not null) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) output += stderr.Result;
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return false;
        }
    }
}
