/*
 *  glif3_alpha.cpp
 *
 *  Part of pynn_glif3 (MIT licence).  See glif3_alpha.h for the model and its time-step mapping.
 */

#include "glif3_alpha.h"

// C++ includes:
#include <cmath>
#include <numbers>
#include <sstream>

// Includes from nestkernel:
#include "dict_util.h"
#include "event_delivery_manager_impl.h"
#include "exceptions.h"
#include "kernel_manager.h"
#include "nest_impl.h"
#include "universal_data_logger_impl.h"

namespace pynn_glif3
{

namespace
{
// Status dictionary keys that NEST's names table does not have.
const std::string key_E_L( "E_L" );
const std::string key_V_th( "V_th" );
const std::string key_V_reset( "V_reset" );
const std::string key_C_m( "C_m" );
const std::string key_g( "g" );
const std::string key_t_ref( "t_ref" );
const std::string key_I_e( "I_e" );
const std::string key_asc_amp[ glif3_alpha::N_ASC ] = { "asc_amp_1", "asc_amp_2" };
const std::string key_k[ glif3_alpha::N_ASC ] = { "k_1", "k_2" };
const std::string key_tau_syn[ glif3_alpha::N_RECEPTORS ] = { "tau_syn_1", "tau_syn_2", "tau_syn_3", "tau_syn_4" };
const std::string key_start_step( "start_step" );
const std::string key_trial_steps( "trial_steps" );
const std::string key_origin_step( "origin_step" );
const std::string key_rise_input( "rise_input" );
const std::string key_V_m( "V_m" );
const std::string key_I_asc[ glif3_alpha::N_ASC ] = { "I_asc_1", "I_asc_2" };
const std::string key_I_syn[ glif3_alpha::N_RECEPTORS ] = { "I_syn_1", "I_syn_2", "I_syn_3", "I_syn_4" };
const std::string key_refractory( "t_ref_remaining" );
const std::string key_receptor_types( "receptor_types" );
const std::string key_recordables( "recordables" );
const std::string receptor_names[ glif3_alpha::N_RECEPTORS ] = { "syn1", "syn2", "syn3", "syn4" };

std::string
format_value( double value )
{
  std::ostringstream s;
  s.precision( 17 );
  s << value;
  return s.str();
}

void
require_finite( const std::string& name, double value, const std::string& unit )
{
  if ( not std::isfinite( value ) )
  {
    throw nest::BadProperty(
      "glif3_alpha: " + name + " = " + format_value( value ) + " " + unit + " must be a finite number." );
  }
}

void
require_positive( const std::string& name, double value, const std::string& unit )
{
  require_finite( name, value, unit );
  if ( not( value > 0.0 ) )
  {
    throw nest::BadProperty(
      "glif3_alpha: " + name + " = " + format_value( value ) + " " + unit + " must be > 0 " + unit + "." );
  }
}

void
require_non_negative( const std::string& name, double value, const std::string& unit )
{
  require_finite( name, value, unit );
  if ( value < 0.0 )
  {
    throw nest::BadProperty(
      "glif3_alpha: " + name + " = " + format_value( value ) + " " + unit + " must be >= 0 " + unit + "." );
  }
}
}  // namespace

nest::RecordablesMap< glif3_alpha > glif3_alpha::recordablesMap_;

void
register_glif3_alpha( const std::string& name )
{
  nest::register_node_model< glif3_alpha >( name );
}

}  // namespace pynn_glif3

namespace nest
{
template <>
void
RecordablesMap< pynn_glif3::glif3_alpha >::create()
{
  insert_( "V_m", &pynn_glif3::glif3_alpha::get_V_m_ );
  insert_( "I_asc_1", &pynn_glif3::glif3_alpha::get_I_asc_1_ );
  insert_( "I_asc_2", &pynn_glif3::glif3_alpha::get_I_asc_2_ );
  insert_( "I_syn_1", &pynn_glif3::glif3_alpha::get_I_syn_1_ );
  insert_( "I_syn_2", &pynn_glif3::glif3_alpha::get_I_syn_2_ );
  insert_( "I_syn_3", &pynn_glif3::glif3_alpha::get_I_syn_3_ );
  insert_( "I_syn_4", &pynn_glif3::glif3_alpha::get_I_syn_4_ );
}
}  // namespace nest

namespace pynn_glif3
{

/* ----------------------------------------------------------------
 * Parameters and state: defaults, get, set
 * ---------------------------------------------------------------- */

// The defaults are the Allen GLIF3 fit of specimen 478958894, as in pynn_glif3.model.
glif3_alpha::Parameters_::Parameters_()
  : E_L( -70.45950889587401 )
  , V_th( -44.23152364988978 )
  , V_reset( -70.45950889587401 )
  , C_m( 81.21058405283176 )
  , g( 9.195230009748064 )
  , t_ref( 1.5 )
  , I_e( 0.0 )
  , asc_amp( { -4.08182729, -291.97668209 } )
  , k( { 0.003, 0.3 } )
  , tau_syn( { 5.5, 8.5, 2.8, 5.8 } )
  , start_step( 2 )
  , trial_steps( 0 )
  , origin_step( 0 )
{
}

void
glif3_alpha::Parameters_::get( Dictionary& d ) const
{
  d[ key_E_L ] = E_L;
  d[ key_V_th ] = V_th;
  d[ key_V_reset ] = V_reset;
  d[ key_C_m ] = C_m;
  d[ key_g ] = g;
  d[ key_t_ref ] = t_ref;
  d[ key_I_e ] = I_e;
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    d[ key_asc_amp[ j ] ] = asc_amp[ j ];
    d[ key_k[ j ] ] = k[ j ];
  }
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    d[ key_tau_syn[ r ] ] = tau_syn[ r ];
  }
  d[ key_start_step ] = start_step;
  d[ key_trial_steps ] = trial_steps;
  d[ key_origin_step ] = origin_step;
  d[ key_rise_input ] = rise_input;
}

void
glif3_alpha::Parameters_::set( const Dictionary& d, nest::Node* node )
{
  nest::update_value_param( d, key_E_L, E_L, node );
  nest::update_value_param( d, key_V_th, V_th, node );
  nest::update_value_param( d, key_V_reset, V_reset, node );
  nest::update_value_param( d, key_C_m, C_m, node );
  nest::update_value_param( d, key_g, g, node );
  nest::update_value_param( d, key_t_ref, t_ref, node );
  nest::update_value_param( d, key_I_e, I_e, node );
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    nest::update_value_param( d, key_asc_amp[ j ], asc_amp[ j ], node );
    nest::update_value_param( d, key_k[ j ], k[ j ], node );
  }
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    nest::update_value_param( d, key_tau_syn[ r ], tau_syn[ r ], node );
  }
  d.update_integer_value( key_start_step, start_step );
  d.update_integer_value( key_trial_steps, trial_steps );
  d.update_integer_value( key_origin_step, origin_step );
  d.update_value( key_rise_input, rise_input );

  // Validation: the same ranges as pynn_glif3.model, in native units.
  require_finite( key_E_L, E_L, "mV" );
  require_finite( key_V_th, V_th, "mV" );
  require_finite( key_V_reset, V_reset, "mV" );
  require_positive( key_C_m, C_m, "pF" );
  require_positive( key_g, g, "nS" );
  require_non_negative( key_t_ref, t_ref, "ms" );
  require_finite( key_I_e, I_e, "pA" );
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    require_finite( key_asc_amp[ j ], asc_amp[ j ], "pA" );
    require_non_negative( key_k[ j ], k[ j ], "1/ms" );
  }
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    require_positive( key_tau_syn[ r ], tau_syn[ r ], "ms" );
  }
  if ( not( V_th > E_L ) )
  {
    throw nest::BadProperty( "glif3_alpha: V_th = " + format_value( V_th ) + " mV must be above E_L = "
      + format_value( E_L ) + " mV." );
  }
  if ( rise_input.size() % N_RECEPTORS != 0 )
  {
    throw nest::BadProperty( "glif3_alpha: rise_input has " + std::to_string( rise_input.size() )
      + " values; expected 4 per training row (receptors 1..4 of row 0, then row 1, ...)." );
  }
  for ( std::size_t i = 0; i < rise_input.size(); ++i )
  {
    require_finite( key_rise_input + "[" + std::to_string( i ) + "]", rise_input[ i ], "pA" );
  }
  if ( start_step < 0 )
  {
    throw nest::BadProperty( "glif3_alpha: start_step = " + std::to_string( start_step ) + " must be >= 0." );
  }
  if ( origin_step < 0 )
  {
    throw nest::BadProperty( "glif3_alpha: origin_step = " + std::to_string( origin_step ) + " must be >= 0." );
  }
  if ( trial_steps != 0 and trial_steps <= start_step )
  {
    throw nest::BadProperty( "glif3_alpha: trial_steps = " + std::to_string( trial_steps )
      + " must be 0 (one trial) or above start_step = " + std::to_string( start_step ) + "." );
  }
}

glif3_alpha::State_::State_( const Parameters_& p )
  : V_m( p.V_reset )
  , I_asc( { 0.0, 0.0 } )
  , X( { 0.0, 0.0, 0.0, 0.0 } )
  , Y( { 0.0, 0.0, 0.0, 0.0 } )
  , R( 0.0 )
  , z( false )
  , I_stim( 0.0 )
{
}

void
glif3_alpha::State_::get( Dictionary& d ) const
{
  d[ key_V_m ] = V_m;
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    d[ key_I_asc[ j ] ] = I_asc[ j ];
  }
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    d[ key_I_syn[ r ] ] = Y[ r ];
  }
  d[ key_refractory ] = R;
}

void
glif3_alpha::State_::set( const Dictionary& d, nest::Node* node )
{
  nest::update_value_param( d, key_V_m, V_m, node );
  require_finite( key_V_m, V_m, "mV" );
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    nest::update_value_param( d, key_I_asc[ j ], I_asc[ j ], node );
    require_finite( key_I_asc[ j ], I_asc[ j ], "pA" );
  }
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    nest::update_value_param( d, key_I_syn[ r ], Y[ r ], node );
    require_finite( key_I_syn[ r ], Y[ r ], "pA" );
  }
}

/* ----------------------------------------------------------------
 * Input buffer
 * ---------------------------------------------------------------- */

glif3_alpha::InputBuffer_::InputBuffer_( const InputBuffer_& )
  : InputBuffer_()
{
}

inline std::size_t
glif3_alpha::InputBuffer_::ring_size()
{
  return nest::kernel().connection_manager.get_min_delay() + nest::kernel().connection_manager.get_max_delay();
}

void
glif3_alpha::InputBuffer_::clear()
{
  const std::size_t size = ring_size();
  Slot_ empty;
  empty.fill( Sum_ { 0.0, 0.0 } );
  inline_.fill( empty );
  heap_.assign( size > N_INLINE ? size : 0, empty );
}

inline glif3_alpha::InputBuffer_::Slot_&
glif3_alpha::InputBuffer_::slot( long offset )
{
  // The ring's size is the kernel's, the same for every neuron: deciding on it, not on heap_,
  // spares each delivered spike a read of one more line of the neuron.
  const std::size_t index = nest::kernel().event_delivery_manager.get_modulo( offset );
  return ring_size() <= N_INLINE ? inline_[ index ] : heap_[ index ];
}

inline void
glif3_alpha::InputBuffer_::add_value( long offset, std::size_t receptor, double weight )
{
  Sum_& acc = slot( offset )[ receptor ];
  // Knuth's two-sum: hi + weight == sum + err exactly.
  const double hi = acc.hi;
  const double sum = hi + weight;
  const double weight_part = sum - hi;
  const double err = ( hi - ( sum - weight_part ) ) + ( weight - weight_part );
  acc.hi = sum;
  acc.lo += err;
}

inline void
glif3_alpha::InputBuffer_::take( long offset, std::array< double, N_RECEPTORS >& out )
{
  Slot_& s = slot( offset );
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    out[ r ] = s[ r ].hi + s[ r ].lo;
    s[ r ] = Sum_ { 0.0, 0.0 };
  }
}

glif3_alpha::Buffers_::Buffers_( glif3_alpha& n )
  : logger_( n )
{
}

glif3_alpha::Buffers_::Buffers_( const Buffers_&, glif3_alpha& n )
  : logger_( n )
{
}

/* ----------------------------------------------------------------
 * Construction and initialisation
 * ---------------------------------------------------------------- */

glif3_alpha::glif3_alpha()
  : ArchivingNode()
  , S_( Parameters_() )
  , P_()
  , B_( *this )
  , S_trial_start_( S_ )
{
  recordablesMap_.create();
}

glif3_alpha::glif3_alpha( const glif3_alpha& n )
  : ArchivingNode( n )
  , S_( n.S_ )
  , V_( n.V_ )
  , P_( n.P_ )
  , B_( n.B_, *this )
  , S_trial_start_( n.S_trial_start_ )
{
}

void
glif3_alpha::init_buffers_()
{
  B_.spikes_.clear();
  B_.currents_.clear();
  B_.logger_.reset();
  ArchivingNode::clear_history();
}

void
glif3_alpha::pre_run_hook()
{
  B_.logger_.init();

  // The step constants of pynn_glif3.propagators.propagators(), expression for expression.
  const double h = nest::Time::get_resolution().get_ms();
  V_.h = h;
  V_.D = std::exp( -h * P_.g / P_.C_m );
  V_.F = ( 1.0 - V_.D ) / P_.g;
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    V_.S[ r ] = std::exp( -h / P_.tau_syn[ r ] );
    V_.hS[ r ] = h * V_.S[ r ];
    V_.P[ r ] = std::numbers::e / P_.tau_syn[ r ];
  }
  for ( std::size_t j = 0; j < N_ASC; ++j )
  {
    V_.E[ j ] = std::exp( -h * P_.k[ j ] );
  }
  V_.leak_drive = P_.g * P_.E_L;
  V_.reset_jump = P_.V_reset - P_.V_th;
}

/* ----------------------------------------------------------------
 * Update and event handling
 * ---------------------------------------------------------------- */

void
glif3_alpha::update( nest::Time const& origin, const long from, const long to )
{
  std::array< double, N_RECEPTORS > u;

  for ( long lag = from; lag < to; ++lag )
  {
    const long simulation_step = origin.get_steps() + lag;
    const long step = simulation_step - P_.origin_step;  // step of the run (see "Restarting")
    B_.spikes_.take( lag, u );  // read and clear this step's input in every case
    const double I_stim_next = B_.currents_.get_value( lag );

    // Step within the trial, and the trial (always trial 0 with trial_steps = 0).
    const long trial = P_.trial_steps > 0 ? step / P_.trial_steps : 0;
    const long trial_step = step - trial * P_.trial_steps;
    if ( trial_step < P_.start_step )
    {
      // Before the first update of a trial the neuron holds its initial state; spikes are
      // discarded, the injected current is kept for the first update (so a current from t = 0
      // acts like I_e).  Each later trial starts again from the state the run started with.
      if ( step == 0 )
      {
        S_trial_start_ = S_;
      }
      else if ( trial_step == 0 )
      {
        S_ = S_trial_start_;
      }
      S_.I_stim = I_stim_next;
      B_.logger_.record_data( simulation_step );
      continue;
    }

    // Rise input of this row (decoded noise), added after the spikes as in the reference; the
    // rows of successive trials follow each other in the table.
    const std::size_t row =
      static_cast< std::size_t >( trial * ( P_.trial_steps - P_.start_step ) + trial_step - P_.start_step );
    if ( row < P_.rise_input.size() / N_RECEPTORS )
    {
      const double* values = &P_.rise_input[ row * N_RECEPTORS ];
      for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
      {
        u[ r ] = u[ r ] + values[ r ];
      }
    }

    const bool z = S_.z;

    // PSC rise and PSC: the PSC takes the OLD rise.
    std::array< double, N_RECEPTORS > X_new;
    std::array< double, N_RECEPTORS > Y_new;
    for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
    {
      X_new[ r ] = V_.S[ r ] * S_.X[ r ] + V_.P[ r ] * u[ r ];
      Y_new[ r ] = V_.S[ r ] * S_.Y[ r ] + V_.hS[ r ] * S_.X[ r ];
    }

    // Refractory time left, accumulated in floating point.
    double R_new = ( S_.R + ( z ? P_.t_ref : 0.0 ) ) - V_.h;
    if ( not( R_new > 0.0 ) )
    {
      R_new = 0.0;
    }

    // After-spike currents: jump on the step after a spike, no refractory factor.
    std::array< double, N_ASC > A_new;
    for ( std::size_t j = 0; j < N_ASC; ++j )
    {
      A_new[ j ] = V_.E[ j ] * S_.I_asc[ j ] + ( z ? P_.asc_amp[ j ] : 0.0 );
    }

    // Membrane: the currents of the previous step, summed in a fixed order; subtractive reset.
    double total = S_.Y[ 0 ] + S_.Y[ 1 ];
    total = total + S_.Y[ 2 ];
    total = total + S_.Y[ 3 ];
    total = total + S_.I_asc[ 0 ];
    total = total + S_.I_asc[ 1 ];
    total = total + P_.I_e;
    total = total + S_.I_stim;
    total = total + V_.leak_drive;
    double V_new = V_.D * S_.V_m + V_.F * total;
    V_new = V_new + ( z ? V_.reset_jump : 0.0 );

    const bool z_new = ( V_new > P_.V_th ) and ( R_new == 0.0 );

    S_.X = X_new;
    S_.Y = Y_new;
    S_.R = R_new;
    S_.I_asc = A_new;
    S_.V_m = V_new;
    S_.z = z_new;
    S_.I_stim = I_stim_next;

    if ( z_new )
    {
      set_spiketime( nest::Time::step( simulation_step + 1 ) );
      nest::SpikeEvent se;
      nest::kernel().event_delivery_manager.send( *this, se, lag );
    }

    B_.logger_.record_data( simulation_step );
  }
}

void
glif3_alpha::handle( nest::SpikeEvent& e )
{
  assert( e.get_delay_steps() > 0 );
  if ( e.get_stamp().get_steps() <= P_.origin_step )
  {
    return;  // sent before the run restarted
  }
  B_.spikes_.add_value( e.get_rel_delivery_steps( nest::kernel().simulation_manager.get_slice_origin() ),
    e.get_rport() - 1,
    e.get_weight() * e.get_multiplicity() );
}

void
glif3_alpha::handle( nest::CurrentEvent& e )
{
  assert( e.get_delay_steps() > 0 );
  if ( e.get_stamp().get_steps() <= P_.origin_step )
  {
    return;  // sent before the run restarted
  }
  B_.currents_.add_value( e.get_rel_delivery_steps( nest::kernel().simulation_manager.get_slice_origin() ),
    e.get_weight() * e.get_current() );
}

void
glif3_alpha::handle( nest::DataLoggingRequest& e )
{
  B_.logger_.handle( e );
}

void
glif3_alpha::get_status( Dictionary& d ) const
{
  P_.get( d );
  S_.get( d );
  ArchivingNode::get_status( d );

  Dictionary receptors;
  for ( std::size_t r = 0; r < N_RECEPTORS; ++r )
  {
    receptors[ receptor_names[ r ] ] = static_cast< long >( r + 1 );
  }
  d[ key_receptor_types ] = receptors;
  d[ key_recordables ] = recordablesMap_.get_list();
}

void
glif3_alpha::set_status( const Dictionary& d )
{
  Parameters_ ptmp = P_;  // temporaries, so that an error leaves the node unchanged
  ptmp.set( d, this );
  State_ stmp = S_;
  stmp.set( d, this );
  ArchivingNode::set_status( d );
  const bool restart = ptmp.origin_step != P_.origin_step;
  P_ = ptmp;
  S_ = stmp;
  if ( restart )
  {
    // The state of step 0 of a new run: what was set, with the hidden state cleared.
    S_.X.fill( 0.0 );
    S_.R = 0.0;
    S_.z = false;
    S_.I_stim = 0.0;
    B_.spikes_.clear();
    B_.currents_.clear();
  }
}

}  // namespace pynn_glif3
