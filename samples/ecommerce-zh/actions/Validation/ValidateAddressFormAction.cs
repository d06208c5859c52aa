using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_address_form: an order still waiting to ship, and an address of at least 6 characters.</summary>
public sealed class ValidateAddressFormAction(OrderBook orders) : FormValidationAction
{
    public const int MinAddressLength = 6;

    public override string FormName => "address_form";

    public IReadOnlyDictionary<string, object?> validate_order_id(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        if (OrderIdValidation.Validate(value, orders, output) is not { } order) return output.Slots;
        switch (order.Status)
        {
            case OrderStatus.Shipped:
                output.Set(Slot.Carrier, order.Carrier).Set(Slot.TrackingNumber, order.TrackingNumber)
                    .Utter(Response.AddressChangeShipped).Set(Slot.OrderId, null);
                break;
            case OrderStatus.Delivered:
                output.Utter(Response.AddressChangeDelivered).Set(Slot.OrderId, null);
                break;
            case OrderStatus.Cancelled:
                output.Utter(Response.AddressChangeCancelled).Set(Slot.OrderId, null);
                break;
            default:
                output.Set(Slot.OrderId, order.Id);
                break;
        }
        return output.Slots;
    }

    public IReadOnlyDictionary<string, object?> validate_new_address(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        var address = JsonValues.Text(value)?.Trim() ?? "";
        if (address.Length < MinAddressLength && value is not null) output.Utter(Response.AddressInvalid);
        return output.Set(Slot.NewAddress, address.Length < MinAddressLength ? null : address).Slots;
    }
}
