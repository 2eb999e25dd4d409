using System.CommandLine;
using Skiff.Simulation;

namespace Skiff.Commands;

/// <summary>The simulated-node flags of <c>skiff server --simulate-nodes N</c> and <c>skiff agent --simulate N</c>
/// (KWOK's node template, the parts that matter to scheduling).</summary>
internal sealed class SimulationFlags
{
    private readonly Option<int> _count;
    private readonly Option<string> _prefix = new("--simulate-node-prefix") { Description = "Names of the simulated nodes: <prefix>0 … <prefix>N-1.", DefaultValueFactory = _ => "sim-node-" };
    private readonly Option<string> _cpu = new("--simulate-cpu") { Description = "CPU capacity of each simulated node.", DefaultValueFactory = _ => "32" };
    private readonly Option<string> _memory = new("--simulate-memory") { Description = "Memory capacity of each simulated node.", DefaultValueFactory = _ => "256Gi" };
    private readonly Option<int> _pods = new("--simulate-pods") { Description = "Pod capacity of each simulated node.", DefaultValueFactory = _ => 110 };
    private readonly Option<string> _zones = new("--simulate-zones") { Description = "Comma-separated topology.kubernetes.io/zone values, assigned round robin.", DefaultValueFactory = _ => "zone-a,zone-b,zone-c" };

    public SimulationFlags(string countFlag, string countDescription)
    {
        _count = new Option<int>(countFlag) { Description = countDescription };
        _count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 16384)
            {
                r.AddError($"{countFlag} must be between 0 and 16384");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_count);
        command.Options.Add(_prefix);
        command.Options.Add(_cpu);
        command.Options.Add(_memory);
        command.Options.Add(_pods);
        command.Options.Add(_zones);
    }

    /// <summary>The options, or null when no node is to be simulated.</summary>
    public SimulationOptions? Read(ParseResult parse) => parse.GetValue(_count) is > 0 and var count
        ? new SimulationOptions
        {
            Count = count,
            NamePrefix = parse.GetValue(_prefix)!,
            Cpu = parse.GetValue(_cpu)!,
            Memory = parse.GetValue(_memory)!,
            Pods = parse.GetValue(_pods),
            Zones = parse.GetValue(_zones)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }
        : null;
}
