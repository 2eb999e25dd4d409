namespace Skiff.Networking.Dns;

/// <summary>
/// A name inside the cluster zone taken apart as CoreDNS's kubernetes plugin does (its parseRequest):
/// <c>_port._proto.service.namespace.svc</c>, <c>endpoint.service.namespace.svc</c>, <c>service.namespace.svc</c>,
/// and the same under <c>pod</c>. Empty parts mean "not given".
/// </summary>
internal sealed record RecordRequest(string Kind, string Namespace, string Service, string Endpoint, string Port, string Protocol)
{
    public const string Svc = "svc";
    public const string Pod = "pod";

    public static readonly RecordRequest Apex = new(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);

    /// <summary>Parses the labels left of the zone (lower case, leftmost first). Null: a name the zone cannot have
    /// (an unknown second-level label, too many labels): NXDOMAIN.</summary>
    public static RecordRequest? Parse(IReadOnlyList<string> labels)
    {
        var last = labels.Count - 1;
        if (last < 0)
        {
            return Apex;
        }

        var kind = labels[last];
        if (kind != Svc && kind != Pod)
        {
            return null;
        }

        string At(int i) => i >= 0 ? labels[i] : string.Empty;
        var ns = At(last - 1);
        var service = At(last - 2);
        var rest = last - 3; // index of the label left of the service
        return rest switch
        {
            < 0 => new RecordRequest(kind, ns, service, string.Empty, string.Empty, string.Empty),
            0 => new RecordRequest(kind, ns, service, labels[0], string.Empty, string.Empty),
            1 => new RecordRequest(kind, ns, service, string.Empty, StripUnderscore(labels[0]), StripUnderscore(labels[1])),
            _ => null,
        };
    }

    private static string StripUnderscore(string label) => label.StartsWith('_') ? label[1..] : label;
}
