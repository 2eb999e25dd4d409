using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Skiff.Bench.Common;

/// <summary>
/// The same-run comparison: the real <c>skiff server</c> (SQLite) with <c>--authorization-mode Node,RBAC</c> and
/// with <c>AlwaysAllow</c>, each holding the same 100 ClusterRoles and 1,000 RoleBindings, driven by a non-admin user
/// (<c>user-17</c> of <c>team-17</c>, bound to <c>edit</c> in <c>ns-17</c>) with ConfigMap creates and gets from
/// 32 clients: server CPU per request and throughput in both modes.
/// </summary>
internal static class ApiLoad
{
    private const int Concurrency = 32;

    public sealed record Figures(string Mode, Phase Create, Phase Get);

    public sealed record Phase(int Count, TimeSpan Elapsed, TimeSpan ServerCpu)
    {
        public double RequestsPerSecond => Count / Elapsed.TotalSeconds;

        public double CpuMicrosecondsPerRequest => ServerCpu.TotalMicroseconds / Count;
    }

    public static async Task<Figures> RunAsync(string mode, int creates, int gets)
    {
        await using var server = await ServerProcess.StartAsync("sqlite", null, CancellationToken.None, "--authorization-mode", mode);
        var baseUrl = server.Address.ToString().TrimEnd('/');
        using var admin = Client(await AdminCertificateAsync(server.DataDirectory));
        await LoadPolicyAsync(admin, baseUrl);
        using var user = Client(await UserCertificateAsync(server.DataDirectory, "user-17", "team-17"));

        // Warm-up (JIT, connections).
        await RunAsync(server.Pid, 300, i => SendAsync(user, HttpMethod.Post, $"{baseUrl}/api/v1/namespaces/ns-17/configmaps", ConfigMap("warm-" + i)));
        await RunAsync(server.Pid, 2000, i => SendAsync(user, HttpMethod.Get, $"{baseUrl}/api/v1/namespaces/ns-17/configmaps/warm-{i % 300}", null));

        var create = await RunAsync(server.Pid, creates, i => SendAsync(user, HttpMethod.Post, $"{baseUrl}/api/v1/namespaces/ns-17/configmaps", ConfigMap("c-" + i)));
        var get = await RunAsync(server.Pid, gets, i => SendAsync(user, HttpMethod.Get, $"{baseUrl}/api/v1/namespaces/ns-17/configmaps/c-{i % creates}", null));

        // The user may not touch another namespace: RBAC is really deciding (AlwaysAllow lets it through).
        using var probe = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/api/v1/namespaces/ns-18/secrets");
        using var response = await user.SendAsync(probe);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {mode}: create {create.CpuMicrosecondsPerRequest:F0} µs CPU/req {create.RequestsPerSecond:F0} req/s, get {get.CpuMicrosecondsPerRequest:F0} µs CPU/req {get.RequestsPerSecond:F0} req/s; user-17 listing secrets in ns-18 -> {(int)response.StatusCode}"));
        return new Figures(mode, create, get);
    }

    /// <summary>100 namespaces, 100 ClusterRoles, 1,000 RoleBindings (10 per namespace), as the authorizer benchmark's
    /// policy, plus user-17's edit binding in ns-17.</summary>
    private static async Task LoadPolicyAsync(HttpClient admin, string baseUrl)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            await SendAsync(admin, HttpMethod.Post, baseUrl + "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ns-" + i + "\"}}");
            await SendAsync(admin, HttpMethod.Post, baseUrl + "/apis/rbac.authorization.k8s.io/v1/clusterroles", $$"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"role-{{i}}"},
                 "rules":[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods","services","configmaps"]},
                          {"verbs":["create","update"],"apiGroups":["apps"],"resources":["deployments","replicasets"]}]}
                """);
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await SendAsync(admin, HttpMethod.Post, $"{baseUrl}/apis/rbac.authorization.k8s.io/v1/namespaces/ns-{i / 10}/rolebindings", $$"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"binding-{{i}}"},
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"role-{{i % 100}}"},
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"user-{{i / 10}}"},
                             {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"team-{{i % 100}}"}]}
                """));
        await SendAsync(admin, HttpMethod.Post, baseUrl + "/apis/rbac.authorization.k8s.io/v1/namespaces/ns-17/rolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"user-17-edit"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
             "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"user-17"}]}
            """);
        Console.WriteLine($"  policy loaded through the API in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string ConfigMap(string name) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}";

    private static async Task<Phase> RunAsync(string serverPid, int count, Func<int, Task> operation)
    {
        var cpuBefore = ProcessCpu.Total(serverPid);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await operation(i);
            }
        })));
        return new Phase(count, clock.Elapsed, ProcessCpu.Total(serverPid) - cpuBefore);
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string url, string? json)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static HttpClient Client(X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Concurrency,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [certificate] },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }

    private static async Task<X509Certificate2> AdminCertificateAsync(string dataDirectory)
    {
        var pki = Path.Combine(dataDirectory, "pki");
        var certificate = await File.ReadAllTextAsync(Path.Combine(pki, "admin.crt"));
        var key = await File.ReadAllTextAsync(Path.Combine(pki, "admin.key"));
        return X509Certificate2.CreateFromPem(certificate, key);
    }

    /// <summary>A client certificate for <paramref name="user"/> in <paramref name="group"/> from the server's CA.</summary>
    private static async Task<X509Certificate2> UserCertificateAsync(string dataDirectory, string user, string group)
    {
        var pki = Path.Combine(dataDirectory, "pki");
        var caCertificate = await File.ReadAllTextAsync(Path.Combine(pki, "ca.crt"));
        var caKey = await File.ReadAllTextAsync(Path.Combine(pki, "ca.key"));
        using var ca = X509Certificate2.CreateFromPem(caCertificate, caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={user}, O={group}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return X509Certificate2.CreateFromPem(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Per phase, the round with the median CPU per request.</summary>
    public static Figures Median(IReadOnlyList<Figures> rounds)
    {
        static Phase Middle(IEnumerable<Phase> phases)
        {
            var sorted = phases.OrderBy(p => p.CpuMicrosecondsPerRequest).ToList();
            return sorted[sorted.Count / 2];
        }

        return new Figures(rounds[0].Mode, Middle(rounds.Select(r => r.Create)), Middle(rounds.Select(r => r.Get)));
    }

    public static void Print(Figures rbac, Figures off)
    {
        static string Line(string phase, Phase on, Phase allow) => string.Create(CultureInfo.InvariantCulture,
            $"{phase,-8} Node,RBAC {on.CpuMicrosecondsPerRequest,6:F0} µs CPU/req {on.RequestsPerSecond,6:F0} req/s | AlwaysAllow {allow.CpuMicrosecondsPerRequest,6:F0} µs CPU/req {allow.RequestsPerSecond,6:F0} req/s | CPU/req x{on.CpuMicrosecondsPerRequest / allow.CpuMicrosecondsPerRequest:F3}, throughput x{on.RequestsPerSecond / allow.RequestsPerSecond:F3}");
        Console.WriteLine("medians:");
        Console.WriteLine(Line("create", rbac.Create, off.Create));
        Console.WriteLine(Line("get", rbac.Get, off.Get));
    }
}
