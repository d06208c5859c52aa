using System.Reflection;

namespace Kefu.Sdk;

/// <summary>Finds the actions of an actions assembly.</summary>
public static class ActionDiscovery
{
    /// <summary>
    /// The actions of every public <see cref="IActionProvider"/> in the assembly, then every other public concrete
    /// <see cref="CustomAction"/> with a public parameterless constructor (or one taking <see cref="ActionSetup"/>)
    /// whose name no provider gave. Two actions of one name are an error.
    /// </summary>
    public static IReadOnlyList<CustomAction> FromAssembly(Assembly assembly, ActionSetup setup)
    {
        var types = assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        var found = new List<CustomAction>();
        foreach (var type in types.Where(typeof(IActionProvider).IsAssignableFrom))
        {
            if (type.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"{type.FullName} is an IActionProvider without a public parameterless constructor");
            found.AddRange(((IActionProvider)Activator.CreateInstance(type)!).CreateActions(setup));
        }
        var provided = Unique(found, assembly).Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var type in types.Where(typeof(CustomAction).IsAssignableFrom))
        {
            CustomAction? action = type.GetConstructor([typeof(ActionSetup)]) is { } withSetup ? (CustomAction)withSetup.Invoke([setup])
                : type.GetConstructor(Type.EmptyTypes) is { } plain ? (CustomAction)plain.Invoke([])
                : null;
            if (action is not null && !provided.Contains(action.Name)) found.Add(action);
        }
        Unique(found, assembly);
        return found;
    }

    private static Dictionary<string, CustomAction> Unique(IEnumerable<CustomAction> actions, Assembly assembly)
    {
        var byName = new Dictionary<string, CustomAction>(StringComparer.Ordinal);
        foreach (var a in actions)
            if (!byName.TryAdd(a.Name, a))
                throw new InvalidOperationException(
                    $"{assembly.GetName().Name} has two actions named {a.Name}: {byName[a.Name].GetType().FullName} and {a.GetType().FullName}");
        return byName;
    }
}
