using System.Text.Json;

/// <summary>What the audit log says was refused (403) during the run, counted by user, verb, resource and message.</summary>
internal static class AuditSummary
{
    public static void PrintRefused(string path)
    {
        var refused = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.TryGetProperty("stage", out var stage) && stage.GetString() != "ResponseComplete")
            {
                continue;
            }

            if (!e.TryGetProperty("responseStatus", out var status) || !status.TryGetProperty("code", out var code) || code.GetInt32() != 403)
            {
                continue;
            }

            var user = e.TryGetProperty("user", out var u) && u.TryGetProperty("username", out var name) ? name.GetString() : "?";
            var resource = e.TryGetProperty("objectRef", out var o) && o.TryGetProperty("resource", out var r) ? r.GetString() : "?";
            var message = status.TryGetProperty("message", out var m) ? m.GetString() : string.Empty;
            var key = $"{user} {e.GetProperty("verb").GetString()} {resource}: {message}";
            refused[key] = refused.GetValueOrDefault(key) + 1;
        }

        Console.WriteLine(refused.Count == 0 ? "audit: no request refused (403)" : "audit: requests refused (403):");
        foreach (var (what, count) in refused.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"  {count,6} {what}");
        }
    }
}
