using System.Reflection;
using System.Runtime.Loader;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// The load context of a project's actions assembly: its own dependencies come from its build output (its .deps.json),
/// while Kefu.Sdk is always the host's, so that the actions' CustomAction is the type Kefu runs.
/// </summary>
internal sealed class ActionsLoadContext(string assemblyPath) : AssemblyLoadContext($"kefu-actions:{assemblyPath}", isCollectible: true)
{
    private static readonly string SdkName = typeof(global::Kefu.Sdk.CustomAction).Assembly.GetName().Name!;

    private readonly AssemblyDependencyResolver resolver = new(assemblyPath);

    protected override Assembly? Load(AssemblyName name)
    {
        if (string.Equals(name.Name, SdkName, StringComparison.OrdinalIgnoreCase)) return null;
        // An assembly the host already has (the shared framework, a package both use) is shared, not loaded twice.
        if (Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName())) is { } shared) return shared;
        return resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
