using System.Text.Json.Serialization;

namespace Skiff.ApiServer.Bootstrap;

/// <summary>What a joining node asks for: its name and the addresses its kubelet serves on.</summary>
public sealed record NodeCredentialsRequest(string NodeName, IReadOnlyList<string>? Addresses);

/// <summary>What a joining node gets: the cluster CA and its client and kubelet serving credentials, all PEM.</summary>
public sealed record NodeCredentials(string CaCertificate, string ClientCertificate, string ClientKey, string ServingCertificate, string ServingKey);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NodeCredentialsRequest))]
[JsonSerializable(typeof(NodeCredentials))]
public sealed partial class BootstrapJson : JsonSerializerContext;
