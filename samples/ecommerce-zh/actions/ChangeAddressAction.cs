using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// action_change_address: records new_address as the order's address when the order has not shipped yet;
/// otherwise says why it cannot (validate_address_form already filters; this guards against a stale file).
/// </summary>
public sealed class ChangeAddressAction(OrderBook orders) : CustomAction
{
    public override string Name => "action_change_address";

    public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var order = tracker.GetSlotText(Slot.OrderId) is { } raw ? orders.Find(OrderId.Normalize(raw)) : null;
        switch (order?.Status)
        {
            case null:
                output.Utter(Response.OrderNotFound);
                break;
            case OrderStatus.Pending:
                output.Set(Slot.OrderAddress, tracker.GetSlotText(Slot.NewAddress)?.Trim()).Utter(Response.AddressChanged);
                break;
            case OrderStatus.Shipped:
                output.Set(Slot.Carrier, order.Carrier).Set(Slot.TrackingNumber, order.TrackingNumber).Utter(Response.AddressChangeShipped);
                break;
            case OrderStatus.Delivered:
                output.Utter(Response.AddressChangeDelivered);
                break;
            default:
                output.Utter(Response.AddressChangeCancelled);
                break;
        }
        return output.Set(Slot.NewAddress, null).Done();
    }
}
