using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Registers custom C# actions as singletons of <see cref="IAction"/>; whoever builds the
/// <see cref="ActionRegistry"/> takes every registered IAction (custom actions win over built-ins).
/// </summary>
public static class ActionServiceCollectionExtensions
{
    public static IServiceCollection AddKefuAction<T>(this IServiceCollection services) where T : class, IAction
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAction, T>());
        return services;
    }

    /// <summary>Every public, concrete, non-generic IAction class of the assembly (its constructor's parameters come from DI).</summary>
    public static IServiceCollection AddKefuActions(this IServiceCollection services, Assembly assembly)
    {
        foreach (var type in ActionTypes(assembly))
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IAction), type));
        return services;
    }

    public static IEnumerable<Type> ActionTypes(Assembly assembly) =>
        assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } && typeof(IAction).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
