using Kefu.Dialogue.Actions;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Samples.Ecommerce.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kefu.Samples.Ecommerce;

/// <summary>The sample's custom actions, for a DI container or built directly.</summary>
public static class EcommerceActions
{
    /// <summary>Every action of the sample, reading the project at <paramref name="projectDirectory"/>.</summary>
    public static IReadOnlyList<IAction> Create(string projectDirectory)
    {
        var orders = new OrderBook(new EcommerceOptions(projectDirectory));
        return
        [
            new CheckOrderAction(orders), new SubmitReturnAction(), new ChangeAddressAction(orders),
            new ValidateOrderFormAction(orders), new ValidateReturnFormAction(orders), new ValidateAddressFormAction(orders),
            new SubmitExchangeAction(), new CheckReturnAction(orders),
            new ValidateExchangeFormAction(orders), new ValidateReturnProgressFormAction(orders),
        ];
    }

    /// <summary>Registers the options, the order book and every action of this assembly as IAction singletons.</summary>
    public static IServiceCollection AddEcommerceActions(this IServiceCollection services, string projectDirectory)
    {
        services.TryAddSingleton(new EcommerceOptions(projectDirectory));
        services.TryAddSingleton<OrderBook>();
        return services.AddKefuActions(typeof(EcommerceActions).Assembly);
    }
}
