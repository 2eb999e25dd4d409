namespace Skiff.EndToEnd.Tests;

/// <summary>The end of a child process's log file, for failure messages (read while the process may still write).</summary>
internal static class LogTail
{
    public static string Read(string path, int maxChars = 20_000)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > maxChars ? text[^maxChars..] : text;
        }
        catch (IOException ex)
        {
            return $"(no log: {ex.Message})";
        }
    }
}
