namespace Skiff.ApiServer.Authorization;

/// <summary>An authorizer's answer; NoOpinion lets the next authorizer in the chain decide.</summary>
public enum Decision
{
    NoOpinion,
    Allow,
    Deny,
}
