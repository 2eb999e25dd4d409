using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Skiff.EndToEnd.Tests.HighAvailability;

/// <summary>
/// A real three-member etcd cluster on free loopback ports, each member with its own temp data dir. Members can be
/// killed (SIGKILL) one by one; everything is killed and removed on dispose.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    public const string Binary = "/usr/bin/etcd";

    private readonly Member[] _members;

    private EtcdCluster(Member[] members) => _members = members;

    public IReadOnlyList<Uri> ClientUrls => _members.Select(m => m.ClientUrl).ToList();

    public static async Task<EtcdCluster> StartAsync(int size, CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing (Debian package etcd-server): high availability cannot be tested");
        }

        var plans = Enumerable.Range(1, size)
            .Select(i => (Name: $"m{i}", Client: $"http://127.0.0.1:{LoopbackPort.Free()}", Peer: $"http://127.0.0.1:{LoopbackPort.Free()}"))
            .ToList();
        var initialCluster = string.Join(',', plans.Select(p => $"{p.Name}={p.Peer}"));
        var members = plans.Select(p => Member.Launch(p.Name, p.Client, p.Peer, initialCluster)).ToArray();
        var cluster = new EtcdCluster(members);
        try
        {
            foreach (var member in members)
            {
                await member.WaitHealthyAsync(cancellationToken);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The index of the member that is the raft leader now, asked of any living member.</summary>
    public async Task<int> FindLeaderAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var ids = new string?[_members.Length];
        string? leader = null;
        for (var i = 0; i < _members.Length; i++)
        {
            if (_members[i].HasExited)
            {
                continue;
            }

            // etcd 3.4's gRPC gateway: Maintenance.Status tells the member's own id and the leader's id.
            using var content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri(_members[i].ClientUrl, "/v3/maintenance/status"), content, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            ids[i] = status.RootElement.GetProperty("header").GetProperty("member_id").GetString();
            leader ??= status.RootElement.GetProperty("leader").GetString();
        }

        var index = Array.IndexOf(ids, leader);
        return index >= 0 ? index : throw new InvalidOperationException($"leader {leader} is not among the living members");
    }

    /// <summary>Kills one member with SIGKILL, as a crash would.</summary>
    public Task KillAsync(int index, CancellationToken cancellationToken) => _members[index].KillAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }
    }


    private sealed class Member : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _dataDirectory;
        private readonly StringBuilder _log = new();

        private Member(Process process, string dataDirectory, Uri clientUrl)
        {
            _process = process;
            _dataDirectory = dataDirectory;
            ClientUrl = clientUrl;
        }

        public Uri ClientUrl { get; }

        public bool HasExited => _process.HasExited;

        public static Member Launch(string name, string clientUrl, string peerUrl, string initialCluster)
        {
            var dataDirectory = Directory.CreateTempSubdirectory($"skiff-ha-etcd-{name}-").FullName;
            var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
                     {
                         "--name", name, "--data-dir", dataDirectory,
                         "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                         "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                         "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                         "--initial-cluster-token", "skiff-ha-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                         "--log-level", "warn",
                     })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Binary}");
            var member = new Member(process, dataDirectory, new Uri(clientUrl));
            process.OutputDataReceived += (_, e) => member.Append(e.Data);
            process.ErrorDataReceived += (_, e) => member.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return member;
        }

        public async Task WaitHealthyAsync(CancellationToken cancellationToken)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"etcd member {ClientUrl} exited with {_process.ExitCode}:\n{Log()}");
                }

                try
                {
                    var health = await http.GetStringAsync(new Uri(ClientUrl, "/health"), cancellationToken);
                    if (health.Contains("\"true\"", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"etcd member {ClientUrl} not healthy within 30 s:\n{Log()}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        public async Task KillAsync(CancellationToken cancellationToken)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync(CancellationToken.None);
            _process.Dispose();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }

        private string Log()
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }
}
